"""The dbt project as Dagster sees it."""

from __future__ import annotations

import os
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration import settings

dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR,
    profiles_dir=settings.DBT_PROJECT_DIR,
)
# Under `dagster dev` the manifest is rebuilt on load; elsewhere call prepare_manifest() first.
dbt_project.prepare_if_dev()


def prepare_manifest() -> None:
    """Parse the dbt project so target/manifest.json matches the code (CLI, tests, CI)."""
    # The preparer looks for `dbt` on PATH: put this virtualenv's first.
    bin_dir = str(Path(settings.dbt_executable()).parent)
    if bin_dir != "." and bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    dbt_project.preparer.prepare(dbt_project)
