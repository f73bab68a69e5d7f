"""The dbt project's doc blocks, for Python that reads descriptions straight from its yml files.

Columns that mean the same thing in several models, seeds and sources are described once, in a doc
block (models/_columns.md), and their yml says `{{ doc('col_<name>') }}`. dbt renders that; the raw
loader, which reads the raw contract (models/staging/raw/_raw__sources.yml) without dbt, renders it
here.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from lead_scoring.settings import DBT_PROJECT_DIR

DOC_REF = re.compile(r"\{\{\s*doc\(\s*['\"](\w+)['\"]\s*\)\s*\}\}")
DOC_BLOCK = re.compile(r"\{%-?\s*docs\s+(\w+)\s*-?%\}(.*?)\{%-?\s*enddocs\s*-?%\}", re.S)


@functools.cache
def doc_blocks(project_dir: Path = DBT_PROJECT_DIR) -> dict[str, str]:
    """{name: text} of every doc block in the .md files under models/."""
    return {
        name: " ".join(text.split())
        for path in sorted((project_dir / "models").rglob("*.md"))
        for name, text in DOC_BLOCK.findall(path.read_text())
    }


def render_doc_refs(text: str, project_dir: Path = DBT_PROJECT_DIR) -> str:
    """`text` with each `{{ doc('name') }}` replaced by the block's text, as dbt shows it."""
    blocks = doc_blocks(project_dir)

    def block(match: re.Match) -> str:
        if match[1] not in blocks:
            raise KeyError(f"no doc block {match[1]!r} under {project_dir / 'models'}")
        return blocks[match[1]]

    return DOC_REF.sub(block, text)
