"""All dbt seeds, models, snapshots and tests as Dagster assets and asset checks."""


import shutil
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.dbt_project import dbt_project
from orchestration.resources import WAREHOUSE_POOL

# dbt leaves ~1.5 MB per invocation under target/; keep only the newest few run folders.
KEEP_DBT_RUN_FOLDERS = 5


class LeadScoringTranslator(DagsterDbtTranslator):
    """Groups dbt assets by layer: seeds, staging, intermediate, marts, snapshots."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "seed":
            return "seeds"
        if resource_type == "snapshot":
            return "snapshots"
        if resource_type == "model":
            fqn = dbt_resource_props["fqn"]
            return fqn[1] if len(fqn) > 2 else "models"
        return super().get_group_name(dbt_resource_props)


translator = LeadScoringTranslator(
    settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True)
)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_POOL,
)
def lead_scoring_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build`: seeds, models, snapshots, unit tests and data tests, in dependency order."""
    yield from dbt.cli(["build"], context=context).stream()
    _prune_dbt_run_folders()


def _prune_dbt_run_folders() -> None:
    runs = sorted(
        (p for p in dbt_project.target_path.iterdir() if p.is_dir() and p.name not in {"compiled", "run"}),
        key=lambda p: p.stat().st_mtime,
    )
    for old in runs[:-KEEP_DBT_RUN_FOLDERS]:
        shutil.rmtree(old, ignore_errors=True)
