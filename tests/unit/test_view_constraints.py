"""A warehouse enforces no constraint on a view: dbt ignores it with a warning, and a column that
should never be empty would be checked by nothing. So views carry no constraints; their never-empty
columns are a not_null_columns data test instead (as fct_lead_scored_events and fct_lead_funnel)."""

from __future__ import annotations

import json
from pathlib import Path


def test_views_have_no_constraints_and_test_their_never_empty_columns():
    from orchestration.dbt_project import dbt_project, prepare_manifest

    prepare_manifest()
    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    nodes = manifest["nodes"].values()
    views = {node["unique_id"]: node for node in nodes if node["resource_type"] == "model" and node["config"]["materialized"] == "view"}
    assert "model.lead_scoring.fct_lead_funnel" in views
    constrained = sorted(f"{uid}.{name}" for uid, node in views.items() for name, column in node["columns"].items() if column.get("constraints"))
    assert constrained == []
    assert sorted(uid for uid, node in views.items() if node["constraints"]) == []
    not_null_tested = {dep for node in nodes if node.get("test_metadata", {}).get("name") == "not_null_columns" for dep in node["depends_on"]["nodes"]}
    contracted = {uid for uid, node in views.items() if node["config"]["contract"]["enforced"]}
    assert contracted and contracted <= not_null_tested
