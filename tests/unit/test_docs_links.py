"""Every relative link in README.md and docs/*.md points to a file or folder that exists, and every
#anchor to a heading of the page it names (GitHub's rule: the heading's text in lower case, spaces
as '-', punctuation other than '-' and '_' dropped; a repeated heading gets -1, -2, ...).

Read with regular expressions: fast, no build. Also a script: `python tests/unit/test_docs_links.py`
prints every broken link and exits 1 if there is one.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

# Not helpers.PROJECT_DIR: run as a script, this file has no tests/ on sys.path.
PROJECT_DIR = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]*`")
# [text](target): the text may wrap onto the next line; the target has no spaces.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)  # http:, https:, mailto:, ...


def doc_files() -> list[Path]:
    return [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").glob("*.md"))]


def prose(markdown: str) -> str:
    """The text outside code blocks and inline code, where links and headings count."""
    return INLINE_CODE.sub("", FENCE.sub("", markdown))


def anchor(heading: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading: its text
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for match in HEADING.finditer(FENCE.sub("", path.read_text())):
        slug = anchor(match.group(1))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def broken_links(path: Path) -> list[str]:
    problems = []
    for target in LINK.findall(prose(path.read_text())):
        if EXTERNAL.match(target):
            continue
        file_part, _, fragment = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            problems.append(f"{target}: no such file or folder")
        elif PROJECT_DIR not in (linked, *linked.parents):
            problems.append(f"{target}: outside the project")
        elif fragment and (linked.suffix != ".md" or fragment not in anchors(linked)):
            problems.append(f"{target}: no heading #{fragment} in {linked.relative_to(PROJECT_DIR)}")
    return problems


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: str(p.relative_to(PROJECT_DIR)))
def test_every_relative_link_resolves(path):
    assert broken_links(path) == []


def test_the_docs_have_links_to_check():
    # Guard against a pattern that silently matches nothing.
    assert len(doc_files()) > 5
    assert sum(len(LINK.findall(prose(p.read_text()))) for p in doc_files()) > 100


@pytest.mark.parametrize(("heading", "slug"), [
    ("What `make demo` does", "what-make-demo-does"),
    ("Running on PostgreSQL / Spark / your warehouse", "running-on-postgresql--spark--your-warehouse"),
    ("Re-running past days (backfill)", "re-running-past-days-backfill"),
    ("Snowflake, BigQuery, Databricks and other warehouses", "snowflake-bigquery-databricks-and-other-warehouses"),
    ("raw_data contract", "raw_data-contract"),
])
def test_anchors_follow_githubs_rule(heading, slug):
    assert anchor(heading) == slug


def test_a_broken_link_and_a_missing_heading_are_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "PROJECT_DIR", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A page\n\n## Two words\n")
    page = tmp_path / "README.md"
    page.write_text(
        "[ok](docs/a.md#two-words) [ok](#top) [wrapped\ntext](docs/a.md) [web](https://example.com/x)\n"
        "`[code](nowhere.md)`\n```\n[fenced](nowhere.md)\n```\n"
        "[gone](docs/b.md) [bad anchor](docs/a.md#three-words)\n\n# Top\n"
    )
    assert broken_links(page) == [
        "docs/b.md: no such file or folder",
        "docs/a.md#three-words: no heading #three-words in docs/a.md",
    ]


if __name__ == "__main__":
    failures = [f"{p.relative_to(PROJECT_DIR)}: {problem}" for p in doc_files() for problem in broken_links(p)]
    print("\n".join(failures) or f"all links resolve in {len(doc_files())} files")
    sys.exit(1 if failures else 0)
