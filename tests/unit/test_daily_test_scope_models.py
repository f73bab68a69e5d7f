"""The models whose data tests a daily run narrows to the recomputed leads (meta.daily_test_scope in
dbt_project.yml) are built after their scope model (meta.daily_test_scope_model, else
int_lead_scoring_scope): their tests read this run's scope, never the previous run's or none at
all (on a first run, a test of a model upstream of the scope would find no scope table), and they
rewrite only the flagged leads' rows: incremental models, or views over them. A table rebuilt
whole is tested whole. The models of today's state (meta.daily_test_scope_today_state) are also
built after int_lead_today_state_scope, whose row of this run says whether today's state was
restated whole."""

from __future__ import annotations

import json
from pathlib import Path

DEFAULT_SCOPE = "int_lead_scoring_scope"


def _downstream(child_map: dict[str, list[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        for child in child_map.get(stack.pop(), []):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def test_every_scoped_model_is_built_after_the_scope_and_has_its_key_column():
    from orchestration.dbt_project import dbt_project, prepare_manifest

    prepare_manifest()
    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    scoped = {uid: node for uid, node in manifest["nodes"].items() if node["config"].get("meta", {}).get("daily_test_scope")}
    assert len(scoped) >= 10, "the large lead-grain models are scoped"
    assert sorted(uid for uid, node in scoped.items() if node["config"]["materialized"] not in ("incremental", "view")) == []
    scopes = {uid: "model.lead_scoring." + node["config"]["meta"].get("daily_test_scope_model", DEFAULT_SCOPE) for uid, node in scoped.items()}
    assert set(scopes.values()) == {"model.lead_scoring.int_lead_scoring_scope", "model.lead_scoring.int_lead_lifecycle_scope",
                                    "model.lead_scoring.int_account_scope"}
    assert sorted(uid for uid, scope in scopes.items() if uid not in _downstream(manifest["child_map"], scope)) == []
    today_state = sorted(uid for uid, node in scoped.items() if node["config"]["meta"].get("daily_test_scope_today_state"))
    assert today_state == ["model.lead_scoring." + name for name in ("dim_leads", "fct_lead_score_explanations", "mart_crm_lead_sync",
                                                                     "mart_lead_scores_current")]
    assert set(today_state) <= _downstream(manifest["child_map"], "model.lead_scoring.int_lead_today_state_scope")
    # A view read through its macro on a narrowed run is that macro.
    rows_macros = {uid: node["config"]["meta"]["daily_test_scope_rows_macro"] for uid, node in scoped.items()
                   if node["config"]["meta"].get("daily_test_scope_rows_macro")}
    assert rows_macros == {"model.lead_scoring.fct_lead_score_explanations": "lead_score_explanations"}
    for uid, macro in rows_macros.items():
        assert scoped[uid]["config"]["materialized"] == "view" and "macro.lead_scoring." + macro in scoped[uid]["depends_on"]["macros"], uid
    for uid, node in scoped.items():
        assert node["config"]["meta"]["daily_test_scope"] in node["columns"], uid
        day_column = node["config"]["meta"].get("daily_test_scope_day")
        assert day_column is None or day_column in node["columns"], uid
