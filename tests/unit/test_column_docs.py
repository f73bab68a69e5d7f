"""A column that means the same thing in several models, seeds or sources is described once, in a
doc block (models/_columns.md), and referenced with {{ doc('col_<name>') }}: the same description
text written out in two column entries of the yml files fails here. Read from the yml files: fast,
no dbt run."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml

from helpers import PROJECT_DIR
from lead_scoring.dbt_docs import DOC_BLOCK, DOC_REF, doc_blocks

YML_FOLDERS = ("models", "seeds", "snapshots")


def column_descriptions(project_dir: Path) -> list[tuple[str, str, str]]:
    """(yml file, table.column, description) of every described column of models, seeds,
    snapshots and source tables."""
    found = []
    for folder in YML_FOLDERS:
        for path in sorted((project_dir / folder).rglob("*.yml")):
            document = yaml.safe_load(path.read_text()) or {}
            tables = [node for kind in ("models", "seeds", "snapshots") for node in document.get(kind) or []]
            tables += [table for source in document.get("sources") or [] for table in source.get("tables") or []]
            for table in tables:
                for column in table.get("columns") or []:
                    text = " ".join(str(column.get("description") or "").split())
                    if text:
                        found.append((str(path.relative_to(project_dir)), f"{table['name']}.{column['name']}", text))
    return found


def repeated_descriptions(project_dir: Path) -> dict[str, list[str]]:
    """Each description text written out (not a doc() reference) in more than one column entry,
    with the columns that carry it."""
    by_text: dict[str, list[str]] = defaultdict(list)
    for path, column, text in column_descriptions(project_dir):
        if not DOC_REF.fullmatch(text):
            by_text[text].append(f"{column} ({path})")
    return {text: columns for text, columns in by_text.items() if len(columns) > 1}


def test_no_column_description_is_written_out_twice():
    repeated = repeated_descriptions(PROJECT_DIR)
    assert not repeated, "Make these a doc block in models/_columns.md and reference it with {{ doc('col_...') }}:\n" + "\n".join(
        f"  {text!r}: {', '.join(columns)}" for text, columns in sorted(repeated.items())
    )


def test_the_check_finds_a_repeated_description(tmp_path):
    """The same text in a model and a seed is found; doc() references to one block are not."""
    (tmp_path / "models").mkdir()
    (tmp_path / "seeds").mkdir()
    (tmp_path / "models" / "_m.yml").write_text(
        "version: 2\nmodels:\n  - name: m\n    columns:\n"
        "      - name: lead_id\n        description: \"{{ doc('col_lead_id') }}\"\n"
        "      - name: note\n        description: >\n          Said  twice.\n"
    )
    (tmp_path / "seeds" / "_s.yml").write_text(
        "version: 2\nseeds:\n  - name: s\n    columns:\n"
        "      - name: lead_id\n        description: \"{{ doc('col_lead_id') }}\"\n"
        "      - name: remark\n        description: Said twice.\n"
    )
    assert repeated_descriptions(tmp_path) == {"Said twice.": ["m.note (models/_m.yml)", "s.remark (seeds/_s.yml)"]}


def test_every_referenced_column_doc_block_exists_once_and_is_used():
    blocks = [name for path in PROJECT_DIR.glob("models/**/*.md") for name, _ in DOC_BLOCK.findall(path.read_text())]
    referenced = {name for _, _, text in column_descriptions(PROJECT_DIR) for name in DOC_REF.findall(text)}
    assert len(blocks) == len(set(blocks)), "a doc block is defined twice"
    column_blocks = {name for name in blocks if name.startswith("col_")}
    assert referenced - set(blocks) == set(), "doc() of a block that does not exist"
    assert column_blocks - referenced == set(), "a column doc block nobody references"


def test_the_raw_contract_shows_the_text_of_its_doc_blocks():
    """The loader reads the raw contract without dbt; a column described by a doc block gets the
    block's text (what the Dagster raw assets show), not the reference."""
    from lead_scoring.ingest.raw_loader import load_contract

    lead_id = next(column for column in load_contract()["leads"] if column.name == "lead_id")
    assert lead_id.description == doc_blocks()["col_lead_id"] == "The lead (its CRM identifier)."
    assert not any("{{" in column.description for columns in load_contract().values() for column in columns)
