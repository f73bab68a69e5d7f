"""The dbt project as Dagster sees it."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from dagster_dbt import DbtProject

from lead_scoring import settings


def _put_dbt_on_path() -> None:
    """The preparer looks for `dbt` on PATH: put this virtualenv's first (`dagster dev` started
    without an activated virtualenv would otherwise fail to load)."""
    bin_dir = str(Path(settings.dbt_executable()).parent)
    if bin_dir != "." and bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR,
    profiles_dir=settings.DBT_PROJECT_DIR,
    target_path=settings.dbt_target_path(),
)
# Under `dagster dev` the manifest is rebuilt on load; elsewhere call prepare_manifest() first.
_put_dbt_on_path()
dbt_project.prepare_if_dev()


@functools.cache
def prepare_manifest() -> None:
    """Parse the dbt project so target/manifest.json matches the code (CLI, tests, CI).

    Once per process: `dbt parse` takes seconds, and the code does not change under a running process.
    """
    _put_dbt_on_path()
    dbt_project.preparer.prepare(dbt_project)
