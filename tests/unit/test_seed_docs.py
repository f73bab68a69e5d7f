"""Every seed column is one hop from docs/: a table row that names the column links to the model or
macro that reads it (docs/scoring-rules.md, docs/funnel-and-metrics.md, ...)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from helpers import PROJECT_DIR

SEEDS = sorted((PROJECT_DIR / "seeds").glob("*.csv"))
# A link to what reads the column; a column only people read (a description) links to its description.
IMPLEMENTATION_LINK = re.compile(r"\]\(\.\./((models|macros|orchestration|lead_scoring)/[^)]+|seeds/_seeds\.yml)\)")


def _names_in(cell: str) -> set[str]:
    """Column names a table cell lists: `a, b`, `setting, value (...)`, and the shorthand
    `fit_grade_a_min, _b_min, _c_min` (a leading underscore replaces the same-length tail)."""
    names: set[str] = set()
    previous = ""
    for token in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r"\([^)]*\)", "", cell)):
        if token.startswith("_") and previous:
            token = previous[: len(previous) - len(token)] + token
        else:
            previous = token
        names.add(token)
    return names


def _documented_columns() -> dict[str, set[str]]:
    """seed -> columns named in a docs table row that links to an implementation. A row either
    names the seed in its first cell and the columns in its second (a table of seeds), or sits
    under a paragraph that names the seed's file (a table of one seed's columns)."""
    found: dict[str, set[str]] = {}
    for page in sorted((PROJECT_DIR / "docs").glob("*.md")):
        current_seed = None
        for line in page.read_text().splitlines():
            mentioned = re.findall(r"([a-z_]+)\.csv", line)
            if not line.startswith("|") and mentioned:
                current_seed = mentioned[-1]
            if not line.startswith("|") or not IMPLEMENTATION_LINK.search(line):
                continue
            cells = [c.strip() for c in line.strip("|").split("|")]
            row_seed = re.findall(r"([a-z_]+)\.csv", cells[0])
            if row_seed:
                found.setdefault(row_seed[0], set()).update(_names_in(cells[1]))
            elif current_seed:
                found.setdefault(current_seed, set()).update(_names_in(cells[0]))
    return found


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_every_column_of_the_seed_links_to_what_reads_it(seed: Path):
    with seed.open(newline="") as f:
        columns = next(csv.reader(f))
    documented = _documented_columns().get(seed.stem, set())
    assert [c for c in columns if c not in documented] == []


def test_the_shorthand_and_parentheses_are_read_as_column_names():
    assert _names_in("fit_grade_a_min, _b_min, _c_min") == {"fit_grade_a_min", "fit_grade_b_min", "fit_grade_c_min"}
    assert _names_in("setting, value (`speed_to_lead_sla_hours`), description") == {"setting", "value", "description"}
