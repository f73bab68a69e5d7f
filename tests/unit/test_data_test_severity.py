"""Which dbt data tests warn, and why (the convention is stated in dbt_project.yml).

A test fails the run when data or logic is wrong; it only warns when it says the data is too young
or incomplete for some figures, and then it names the reason (meta.warn_reason) and explains it
(meta.description, shown on the Dagster check). tests/integration/test_young_export.py runs young and
incomplete exports through the pipeline.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

WARN_REASONS = {"data_age", "data_completeness", "flagged_input"}
# Age and completeness are about rows or values not there yet: only presence tests describe them.
PRESENCE_REASONS = {"data_age", "data_completeness"}
PRESENCE_TESTS = {"not_empty", "not_null"}
# Without leads or events there is nothing to score: these stay errors.
ESSENTIAL_MODELS = {"model.lead_scoring.stg_raw__leads", "model.lead_scoring.stg_raw__events"}


@pytest.fixture(scope="module")
def data_tests() -> dict[str, dict]:
    from orchestration.dbt_project import dbt_project, prepare_manifest

    prepare_manifest()
    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    return {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "test"}


def _warns(node: dict) -> bool:
    return node["config"]["severity"].lower() == "warn"


def test_a_test_warns_exactly_when_it_names_its_reason(data_tests):
    for uid, node in data_tests.items():
        meta = node["config"].get("meta") or {}
        assert _warns(node) == ("warn_reason" in meta), uid
        if _warns(node):
            assert meta["warn_reason"] in WARN_REASONS, uid
            assert meta.get("description", "").strip(), uid


def test_tests_of_correctness_stay_errors(data_tests):
    warning = {uid: node for uid, node in data_tests.items() if _warns(node)}
    assert warning, "the young-data tests warn"
    for uid, node in warning.items():
        assert node.get("test_metadata"), f"{uid}: a singular test reconciles marts"
        parents = set(node["depends_on"]["nodes"])
        assert not any(p.startswith("seed.") for p in parents), f"{uid}: a seed is configuration, not data"
        if node["config"]["meta"]["warn_reason"] in PRESENCE_REASONS:
            # Not a unique, range, expression, relationship or accepted-values test.
            assert node["test_metadata"]["name"] in PRESENCE_TESTS, uid
            assert not parents & ESSENTIAL_MODELS, f"{uid}: without leads or events there is nothing to score"


def test_the_dagster_check_of_a_warning_test_explains_it_and_does_not_block(data_tests):
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    specs = {key.name: graph.get_check_spec(key) for key in graph.asset_check_keys}
    for node in data_tests.values():
        if _warns(node):
            spec = specs[node["name"]]
            assert spec.description == node["config"]["meta"]["description"]
            assert not spec.blocking
