"""The linters behind `make lint`: ruff with the project's rule set, sqlfluff with the dbt templater.

`make lint` (run by CI before `make test`) lints the whole code base; these tests check that the
configuration catches what it should, and that sqlfluff renders models with dbt without a warehouse.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import PROJECT_DIR

BIN = Path(sys.executable).parent


def test_ruff_reports_selected_rules_and_not_the_ignored_ones(tmp_path):
    source = tmp_path / "probe.py"
    source.write_text(
        "import datetime as dt\n"
        "import os\n"  # F401: unused
        "\n"
        "NOW = dt.datetime.now(dt.timezone.utc)  # UP017 is ignored: no finding\n"
        "LABEL = f'score'  # F541: f-string without placeholders\n"
        "PAIRS = list(zip([1, 2], [3, 4]))  # B905 is ignored: no finding\n"
    )
    result = subprocess.run([str(BIN / "ruff"), "check", "--config", str(PROJECT_DIR / "pyproject.toml"),
                             "--output-format", "concise", "--no-cache", str(source)], capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr
    codes = sorted(line.split(": ")[1].split(" ")[0] for line in result.stdout.splitlines() if line.startswith(str(source)))
    assert codes == ["F401", "F541"], result.stdout


@pytest.mark.slow
def test_sqlfluff_renders_a_model_with_dbt_and_flags_uppercase_without_a_warehouse(project_copy):
    for name in (".sqlfluff", ".sqlfluffignore"):
        shutil.copy(PROJECT_DIR / name, project_copy / name)
    model = project_copy / "models" / "marts" / "lint_probe.sql"
    # A ref and a project macro only dbt can render; one uppercase keyword (CP01).
    model.write_text(
        "with\n\nleads as (\n\n    select * from {{ ref('dim_leads') }}\n\n),\n\n"
        "final as (\n\n    select\n        model_id,\n        {{ safe_ratio('total_score', 'fit_score') }} as ratio\n    FROM leads\n\n)\n\n"
        "select * from final\n"
    )
    env = {**os.environ, "LEAD_SCORING_DB": ":memory:", "DBT_PROFILES_DIR": str(project_copy)}
    result = subprocess.run([str(BIN / "sqlfluff"), "lint", "--format", "json", "models/marts/lint_probe.sql"],
                            cwd=project_copy, env=env, capture_output=True, text=True)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    json_line = next(line for line in result.stdout.splitlines() if line.startswith("["))
    violations = json.loads(json_line)[0]["violations"]
    assert [(v["code"], v["start_line_no"]) for v in violations] == [("CP01", 14)], violations
    # No warehouse was created or opened.
    assert not (project_copy / "warehouse").exists()
    assert not list(project_copy.glob("*.duckdb*"))
