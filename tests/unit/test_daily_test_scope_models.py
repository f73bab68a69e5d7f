"""The models whose data tests a daily run narrows to the rescored leads (meta.daily_test_scope in
dbt_project.yml) are built after int_lead_scoring_scope: their tests read this run's scope, never
the previous run's or none at all (on a first run, a test of a model upstream of the scope would
find no scope table), and they rewrite only the rescored leads' rows: incremental models, or views
over them. A table rebuilt whole is tested whole."""

from __future__ import annotations

import json
from pathlib import Path

SCOPE = "model.lead_scoring.int_lead_scoring_scope"


def _downstream(child_map: dict[str, list[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        for child in child_map.get(stack.pop(), []):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def test_every_scoped_model_is_built_after_the_scope_and_has_its_lead_id_column():
    from orchestration.dbt_project import dbt_project, prepare_manifest

    prepare_manifest()
    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    scoped = {uid: node for uid, node in manifest["nodes"].items() if node["config"].get("meta", {}).get("daily_test_scope")}
    assert len(scoped) >= 7, "the large lead-grain models are scoped"
    assert sorted(uid for uid, node in scoped.items() if node["config"]["materialized"] not in ("incremental", "view")) == []
    downstream = _downstream(manifest["child_map"], SCOPE)
    assert sorted(uid for uid in scoped if uid not in downstream) == []
    for uid, node in scoped.items():
        assert node["config"]["meta"]["daily_test_scope"] in node["columns"], uid
