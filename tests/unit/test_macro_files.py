"""The layout of macros/: one macro per file, named after it, and every macro described.

A file x.sql holds the macro x (or the generic test x, or the materialization x) and only its own
adapter versions (<adapter>__x); a file of only <adapter>__x versions is the project's version of
one of dbt's macros x. Every macro is described in the _macros.yml of its folder, so dbt docs
shows it. Read with regular expressions: fast, no dbt run.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from helpers import PROJECT_DIR

ADAPTERS = ("default", "duckdb", "postgres", "spark")
BLOCK = re.compile(
    r"\{%-?\s*(?P<kind>macro|test|materialization)\s+(?P<name>\w+)(?P<rest>.*?)-?%\}"
    r".*?\{%-?\s*end(?P=kind)\s*-?%\}",
    re.S,
)
COMMENT = re.compile(r"\{#.*?#\}", re.S)
MATERIALIZATION_ADAPTER = re.compile(r"adapter\s*=\s*['\"](\w+)['\"]")


def macro_blocks(path: Path) -> tuple[list[tuple[str, str]], str]:
    """(kind, macro name as dbt registers it) of each top-level block, and the text outside blocks
    and comments."""
    text = path.read_text()
    blocks = []
    for match in BLOCK.finditer(text):
        kind, name = match["kind"], match["name"]
        if kind == "test":
            name = f"test_{name}"
        elif kind == "materialization":
            adapter = MATERIALIZATION_ADAPTER.search(match["rest"])
            name = f"materialization_{name}_{adapter[1] if adapter else 'default'}"
        blocks.append((kind, name))
    outside = COMMENT.sub("", BLOCK.sub("", text)).strip()
    return blocks, outside


def own_name(kind: str, name: str) -> str:
    """The name a block gives its file: x for macro x, test x, materialization x (any adapter)."""
    if kind == "test":
        return name.removeprefix("test_")
    if kind == "materialization":
        return re.sub(r"^materialization_(\w+?)_[a-z]+$", r"\1", name)
    return name


def macro_layout_problems(macros_dir: Path) -> list[str]:
    """Every breach of the layout under `macros_dir`, one line each."""
    problems: list[str] = []
    files = sorted(macros_dir.rglob("*.sql"))
    defined = {name for path in files for _, name in macro_blocks(path)[0]}
    described_by_folder: dict[Path, set[str]] = {}
    for yml in sorted(macros_dir.rglob("_macros.yml")):
        entries = (yaml.safe_load(yml.read_text()) or {}).get("macros") or []
        names = {entry["name"] for entry in entries}
        described_by_folder[yml.parent] = names
        for name in sorted(names - defined):
            problems.append(f"{yml.relative_to(macros_dir)}: describes {name}, which no macro file defines")

    for path in files:
        where = path.relative_to(macros_dir)
        stem = path.stem
        blocks, outside = macro_blocks(path)
        if outside:
            problems.append(f"{where}: text outside macros and comments: {outside[:60]!r}")
        if not blocks:
            problems.append(f"{where}: defines no macro")
            continue
        main = [name for kind, name in blocks if own_name(kind, name) == stem]
        versions = [name for kind, name in blocks if kind == "macro" and name in {f"{a}__{stem}" for a in ADAPTERS}]
        others = [name for _, name in blocks if name not in main and name not in versions]
        if others:
            problems.append(f"{where}: holds {', '.join(others)}; one macro per file, named after it, with only its <adapter>__{stem} versions")
        if len(main) > 1:
            problems.append(f"{where}: defines {stem} {len(main)} times")
        if not main and stem in defined:
            problems.append(f"{where}: adapter versions of {stem} belong in the file of {stem}")
        if len(versions) != len(set(versions)):
            problems.append(f"{where}: an adapter version is defined twice")
        described = described_by_folder.get(path.parent, set())
        for _, name in blocks:
            if name not in described:
                problems.append(f"{where}: {name} is not described in {path.parent.relative_to(macros_dir) / '_macros.yml'}")
    return problems


def test_every_macro_file_holds_one_macro_named_after_it_and_described():
    problems = macro_layout_problems(PROJECT_DIR / "macros")
    assert problems == [], "\n".join(problems)


def test_layout_check_finds_each_kind_of_breach(tmp_path):
    macros = tmp_path / "macros"
    (macros / "good").mkdir(parents=True)
    (macros / "good" / "ratio.sql").write_text(
        "{#- why -#}\n{% macro ratio(a, b) -%}\n  {{ return(adapter.dispatch('ratio')(a, b)) }}\n{%- endmacro %}\n\n"
        "{% macro default__ratio(a, b) -%} a / b {%- endmacro %}\n"
        "{% macro postgres__ratio(a, b) -%} a::float / b {%- endmacro %}\n"
    )
    (macros / "good" / "not_empty.sql").write_text("{% test not_empty(model) %}\nselect 1\n{% endtest %}\n")
    (macros / "good" / "listagg.sql").write_text("{% macro spark__listagg(measure) -%} x {%- endmacro %}\n")
    (macros / "good" / "_macros.yml").write_text(
        "version: 2\nmacros:\n"
        + "".join(f"  - name: {name}\n    description: d\n" for name in ["ratio", "default__ratio", "postgres__ratio", "test_not_empty", "spark__listagg"])
    )
    (macros / "bad").mkdir()
    (macros / "bad" / "points.sql").write_text(
        "{% macro points(r) -%} r {%- endmacro %}\n{% macro clamp(p) -%} p {%- endmacro %}\nstray text\n"
    )
    (macros / "bad" / "postgres_ratio.sql").write_text("{% macro postgres__ratio(a, b) -%} a {%- endmacro %}\n")
    (macros / "bad" / "ratio.sql").write_text("{% macro spark__ratio(a, b) -%} a {%- endmacro %}\n")
    (macros / "bad" / "_macros.yml").write_text("version: 2\nmacros:\n  - name: points\n    description: d\n  - name: gone\n    description: d\n")

    assert macro_layout_problems(macros) == [
        "bad/_macros.yml: describes gone, which no macro file defines",
        "bad/points.sql: text outside macros and comments: 'stray text'",
        "bad/points.sql: holds clamp; one macro per file, named after it, with only its <adapter>__points versions",
        "bad/points.sql: clamp is not described in bad/_macros.yml",
        "bad/postgres_ratio.sql: holds postgres__ratio; one macro per file, named after it, with only its <adapter>__postgres_ratio versions",
        "bad/postgres_ratio.sql: postgres__ratio is not described in bad/_macros.yml",
        "bad/ratio.sql: adapter versions of ratio belong in the file of ratio",
        "bad/ratio.sql: spark__ratio is not described in bad/_macros.yml",
    ]
