"""Suggested weights (lead_scoring/rule_suggestions.py, docs/scoring-rules.md#suggested-weights): the
logistic fit against a hand-worked 2x2 table and synthetic leads with known effects, the scale, the
threshold, the candidate seed folder against the project's seeds, and too few outcomes."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from helpers import PROJECT_DIR
from lead_scoring import cli
from lead_scoring.rule_suggestions import (
    SuggestionError,
    TooFewOutcomesError,
    fit_logistic,
    read_seed,
    round_points,
    scale_factor,
    suggest_weights,
    suggested_threshold,
    write_candidate,
)

SEEDS = PROJECT_DIR / "seeds"
MODEL = "hybrid_v1"  # the shipped primary model: its rules are the seeds' rules

# The synthetic truth: (rule kind, rule id, share of leads that hit it, log-odds effect). ebook is
# clearly strongest; webinar_attended has no effect, career_page a negative one. The rules' current
# points are the seeds': ebook 10 (max_points 20), demo_request 30, pricing_page 20, webinar 15, career -5.
TRUE_INTERCEPT = -1.5
TRUE_EFFECTS = [
    ("engagement", "ebook", 0.20, 2.0),
    ("engagement", "demo_request", 0.15, 1.0),
    ("engagement", "pricing_page", 0.40, 0.5),
    ("engagement", "webinar_attended", 0.35, 0.0),
    ("engagement", "career_page", 0.30, -0.8),
]
SYNTHETIC_LEADS = 5000
DECAYING_RULES = {"ebook", "demo_request", "pricing_page", "webinar_attended"}  # half_life_days set in the seed


def write_warehouse(path: Path, outcomes: list[tuple[str, bool, bool]], hits: list[tuple[str, str, str]], model_id: str = MODEL) -> Path:
    """A DuckDB file with just what suggest_weights reads: the feedback-scope leads (lead_id,
    reached_opportunity, reached_customer), their rule hits (lead_id, rule_kind, rule_id) and the models."""
    lead_ids, opportunity, customer = zip(*outcomes) if outcomes else ((), (), ())
    hit_leads, kinds, rule_ids = zip(*hits) if hits else ((), (), ())
    outcome_rows = pa.table({"model_id": [model_id] * len(lead_ids), "lead_id": list(lead_ids),
                             "reached_opportunity": list(opportunity), "reached_customer": list(customer)},
                            schema=pa.schema([("model_id", pa.string()), ("lead_id", pa.string()),
                                              ("reached_opportunity", pa.bool_()), ("reached_customer", pa.bool_())]))
    hit_rows = pa.table({"model_id": [model_id] * len(hit_leads), "lead_id": list(hit_leads), "rule_kind": list(kinds), "rule_id": list(rule_ids)},
                        schema=pa.schema([(name, pa.string()) for name in ("model_id", "lead_id", "rule_kind", "rule_id")]))
    with duckdb.connect(str(path)) as con:
        con.execute("create schema intermediate")
        con.register("outcome_rows", outcome_rows)
        con.register("hit_rows", hit_rows)
        con.execute("create table intermediate.int_lead_feedback_outcomes as select * from outcome_rows")
        con.execute("create table intermediate.int_lead_rule_hits as select * from hit_rows")
        con.execute("create table intermediate.int_scoring_models (model_id varchar, is_primary boolean, mql_threshold double)")
        con.execute("insert into intermediate.int_scoring_models values ('hybrid_v1', true, 70), ('enterprise_gate_v1', false, 60)")
    return path


def synthetic_leads(seed: int = 20261204) -> tuple[list[tuple[str, bool, bool]], list[tuple[str, str, str]]]:
    """SYNTHETIC_LEADS leads with independent rule hits and outcomes drawn from the logistic model
    of TRUE_EFFECTS; every lead also hits country_dach (a rule no lead misses)."""
    rng = np.random.default_rng(seed)
    hit = np.column_stack([rng.random(SYNTHETIC_LEADS) < share for _, _, share, _ in TRUE_EFFECTS])
    log_odds = TRUE_INTERCEPT + hit @ np.array([effect for *_, effect in TRUE_EFFECTS])
    reached = rng.random(SYNTHETIC_LEADS) < 1 / (1 + np.exp(-log_odds))
    lead_ids = [f"lead_{i:05d}" for i in range(SYNTHETIC_LEADS)]
    outcomes = [(lead_ids[i], bool(reached[i]), bool(reached[i] and i % 3 == 0)) for i in range(SYNTHETIC_LEADS)]
    hits = [(lead_ids[i], kind, rule_id) for i in range(SYNTHETIC_LEADS) for j, (kind, rule_id, _, _) in enumerate(TRUE_EFFECTS) if hit[i, j]]
    hits += [(lead_id, "fit", "country_dach") for lead_id in lead_ids]
    return outcomes, hits


@pytest.fixture(scope="module")
def synthetic_warehouse(tmp_path_factory) -> Path:
    return write_warehouse(tmp_path_factory.mktemp("synthetic") / "lead_scoring.duckdb", *synthetic_leads())


@pytest.fixture(scope="module")
def synthetic_suggestions(synthetic_warehouse):
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as con:
        return suggest_weights(con)


# --- the fit -----------------------------------------------------------------------------------


def test_one_rule_gives_the_log_odds_ratio_of_its_two_by_two_table():
    # Hit: 30 reached an opportunity, 20 did not; not hit: 10 and 40. By hand: beta = ln(30*40 / (20*10)) = ln 6,
    # intercept = ln(10/40), standard error = sqrt(1/30 + 1/20 + 1/10 + 1/40) = sqrt(0.208333...).
    grouped = fit_logistic(np.array([[1], [0]]), positives=np.array([30, 10]), leads=np.array([50, 50]), ridge=0.0)
    assert grouped.coefficients[0] == pytest.approx(1.791759469, abs=1e-6)
    assert grouped.intercept == pytest.approx(-1.386294361, abs=1e-6)
    assert grouped.standard_errors[0] == pytest.approx(0.456435465, abs=1e-6)
    # One row per lead gives the same estimates as one row per group.
    per_lead_hits = np.repeat([1, 1, 0, 0], [30, 20, 10, 40])
    per_lead_outcomes = np.repeat([1, 0, 1, 0], [30, 20, 10, 40])
    per_lead = fit_logistic(per_lead_hits, per_lead_outcomes, ridge=0.0)
    assert per_lead.coefficients[0] == pytest.approx(math.log(6), abs=1e-6)
    assert per_lead.standard_errors[0] == pytest.approx(grouped.standard_errors[0], abs=1e-6)


def test_the_ridge_pulls_the_coefficient_towards_zero_and_keeps_a_separating_rule_finite():
    ridged = fit_logistic(np.array([[1], [0]]), positives=np.array([30, 10]), leads=np.array([50, 50]), ridge=1.0)
    assert 0 < ridged.coefficients[0] < math.log(6)
    # Every lead that hit the rule converted: without a ridge the estimate grows without bound.
    separated = fit_logistic(np.array([[1], [0]]), positives=np.array([20, 10]), leads=np.array([20, 50]), ridge=1.0)
    assert 2 < separated.coefficients[0] < 10
    with pytest.raises(SuggestionError, match="did not converge"):
        fit_logistic(np.array([[1], [0]]), positives=np.array([20, 10]), leads=np.array([20, 50]), ridge=0.0)


def test_the_scale_is_the_least_squares_factor_and_points_round_half_away_from_zero():
    # By hand: k = (10*1 + 20*2) / (1*1 + 2*2) = 50 / 5 = 10.
    assert scale_factor(np.array([10.0, 20.0]), np.array([1.0, 2.0])) == pytest.approx(10.0)
    with pytest.raises(SuggestionError, match="scale factor not positive"):
        scale_factor(np.array([10.0, 20.0]), np.array([-1.0, -2.0]))
    assert [round_points(x) for x in (2.5, -2.5, 2.49, -0.4, 7.0)] == [3, -3, 2, 0, 7]


def test_the_threshold_keeps_the_share_of_leads_at_or_above_it():
    leads = np.array([1.0, 1.0, 1.0, 1.0])
    all_gates = np.array([True, True, True, True])
    # Old scores 0, 10, 20, 30 at threshold 20: half the leads. New scores 0, 5, 8, 12: half are at or above 8.
    assert suggested_threshold(np.array([0, 10, 20, 30]), np.array([0, 5, 8, 12]), leads, all_gates, 20) == (8.0, 0.5, 0.5)
    # A failing gate keeps the lead out on both sides: a quarter, so the threshold is 12.
    gates = np.array([True, True, False, True])
    assert suggested_threshold(np.array([0, 10, 20, 30]), np.array([0, 5, 8, 12]), leads, gates, 20) == (12.0, 0.25, 0.25)


# --- synthetic leads with known effects --------------------------------------------------------


def test_synthetic_effects_are_recovered(synthetic_suggestions):
    s = synthetic_suggestions
    by_rule = {rule.rule_id: rule for rule in s.rules}
    assert (s.model_id, s.outcome, s.leads) == (MODEL, "opportunity", SYNTHETIC_LEADS)
    for _, rule_id, _, effect in TRUE_EFFECTS:
        assert by_rule[rule_id].coefficient == pytest.approx(effect, abs=0.25), rule_id
    estimated = [rule for rule in s.rules if rule.is_estimable]
    assert {rule.rule_id for rule in estimated} == {rule_id for _, rule_id, _, _ in TRUE_EFFECTS}
    strongest = max(estimated, key=lambda rule: rule.coefficient)
    assert strongest.rule_id == "ebook"
    assert strongest.candidate_points == max(rule.candidate_points for rule in estimated)
    zero = by_rule["webinar_attended"]
    assert zero.interval[0] < 0 < zero.interval[1] and "interval contains 0" in zero.note
    negative = by_rule["career_page"]
    assert negative.coefficient < 0 and negative.candidate_points < 0 and negative.interval[1] < 0
    assert by_rule["ebook"].lift > 1 > by_rule["career_page"].lift


def test_rules_that_cannot_be_estimated_keep_their_points(synthetic_suggestions):
    by_rule = {rule.rule_id: rule for rule in synthetic_suggestions.rules}
    everyone, nobody = by_rule["country_dach"], by_rule["title_student"]
    assert (everyone.hit_leads, everyone.candidate_points, everyone.coefficient) == (SYNTHETIC_LEADS, 5, None)
    assert everyone.note == "not estimable: hit by every lead; points kept"
    assert (nobody.hit_leads, nobody.candidate_points, nobody.interval) == (0, -20, None)
    assert nobody.note == "not estimable: hit by no lead; points kept"


def test_suggested_points_are_the_scaled_coefficients_and_the_threshold_keeps_the_share(synthetic_suggestions):
    s = synthetic_suggestions
    estimated = [rule for rule in s.rules if rule.is_estimable]
    current = np.array([rule.current_points for rule in estimated])
    coefficients = np.array([rule.coefficient for rule in estimated])
    assert s.scale == pytest.approx(current @ coefficients / (coefficients @ coefficients))
    for rule in estimated:
        fitted = round_points(s.scale * rule.coefficient)
        if fitted < 0 and rule.rule_id in DECAYING_RULES:
            # The seeds reject negative points on a rule that decays: the candidate holds 0 and says why.
            assert rule.candidate_points == 0 and "negative points cannot decay" in rule.note
        else:
            assert rule.candidate_points == fitted
        low, high = rule.interval
        assert low == pytest.approx(s.scale * (rule.coefficient - 1.96 * rule.standard_error))
        assert high == pytest.approx(s.scale * (rule.coefficient + 1.96 * rule.standard_error))
    assert abs(s.candidate_share - s.current_share) < 0.05


# --- the candidate folder ----------------------------------------------------------------------


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as f:
        return list(csv.reader(f))


def test_the_candidate_changes_only_the_models_points_max_points_and_threshold(synthetic_suggestions, tmp_path):
    s = synthetic_suggestions
    out = write_candidate(s, tmp_path / "candidate")
    assert sorted(p.name for p in out.iterdir()) == ["scoring_engagement_rules.csv", "scoring_fit_rules.csv", "scoring_models.csv", "suggestions.md"]
    by_rule = {(rule.rule_kind, rule.rule_id): rule for rule in s.rules}
    changed = set()
    for name, kind in (("scoring_fit_rules.csv", "fit"), ("scoring_engagement_rules.csv", "engagement"), ("scoring_models.csv", None)):
        original, candidate = _rows(SEEDS / name), _rows(out / name)
        assert candidate[0] == original[0] and len(candidate) == len(original)
        header = original[0]
        for before, after in zip(original[1:], candidate[1:]):
            assert len(after) == len(header)
            changed |= {(name, before[header.index("rule_id")] if kind else before[0], column, old, new)
                        for column, old, new in zip(header, before, after) if old != new}
    # ebook: 10 points, max_points 20 (two occurrences); the fit puts it above 20, so max_points follows at twice the points.
    ebook = by_rule[("engagement", "ebook")]
    assert ebook.candidate_points > 20 and ebook.candidate_max_points == 2 * ebook.candidate_points
    expected = {(f"scoring_{kind}_rules.csv", rule_id, "points", f"{rule.current_points:g}", f"{rule.candidate_points:g}")
                for (kind, rule_id), rule in by_rule.items() if rule.candidate_points != rule.current_points}
    expected |= {("scoring_engagement_rules.csv", "ebook", "max_points", "20", f"{ebook.candidate_max_points:g}")}
    expected |= {("scoring_models.csv", MODEL, "mql_threshold", "70", f"{s.candidate_threshold:g}")}
    assert changed == expected
    # Byte for byte: the other model's rows, and its description's quotes, which need none.
    for name in ("scoring_fit_rules.csv", "scoring_engagement_rules.csv", "scoring_models.csv"):
        original_lines = (SEEDS / name).read_text().splitlines()
        candidate_lines = (out / name).read_text().splitlines()
        assert [line for line in candidate_lines if not line.startswith(MODEL)] == [line for line in original_lines if not line.startswith(MODEL)]
    assert '"Challenger: enterprise gate' in (out / "scoring_models.csv").read_text()
    report = (out / "suggestions.md").read_text()
    assert "| ebook | engagement | 10 |" in report and f"lead-scoring preview --rules {out}" in report


def test_every_seed_reads_back_as_written_and_the_seeds_folder_is_never_written(synthetic_suggestions):
    for path in sorted(SEEDS.glob("*.csv")):
        assert read_seed(path).text() == path.read_text(), path.name
    before = {path.name: path.read_bytes() for path in SEEDS.glob("*.csv")}
    with pytest.raises(SuggestionError, match="is the seeds folder"):
        write_candidate(synthetic_suggestions, SEEDS)
    assert {path.name: path.read_bytes() for path in SEEDS.glob("*.csv")} == before


# --- too few outcomes, and the command line ----------------------------------------------------


def _leads_with(outcome_leads: int, total: int) -> list[tuple[str, bool, bool]]:
    return [(f"lead_{i}", i < outcome_leads, False) for i in range(total)]


def test_too_few_outcomes_is_an_error_that_says_how_many_there_are_and_are_needed(tmp_path):
    hits = [(f"lead_{i}", "engagement", "pricing_page") for i in range(0, 1000, 2)]
    few = write_warehouse(tmp_path / "few.duckdb", _leads_with(25, 1000), hits)
    with duckdb.connect(str(few), read_only=True) as con, pytest.raises(TooFewOutcomesError) as error:
        suggest_weights(con)
    assert str(error.value) == ("too few outcomes to suggest weights for model hybrid_v1 (outcome opportunity, 1000 leads old enough): "
                                "25 leads reached an opportunity, at least 30 are needed")
    # Enough of each, but not per parameter: 40 leads with the outcome for 2 parameters pass, for 9 they do not (45 needed).
    many_rules = [(f"lead_{i}", "engagement", rule_id) for i in range(1000)
                  for j, rule_id in enumerate(["pricing_page", "pricing_sheet", "whitepaper", "ebook", "product_pages",
                                               "webinar_attended", "demo_request", "contact_form"]) if (i >> j) % 2]
    thin = write_warehouse(tmp_path / "thin.duckdb", _leads_with(40, 1000), many_rules)
    with duckdb.connect(str(thin), read_only=True) as con, pytest.raises(TooFewOutcomesError, match=(
            r"the rarer group has 40 leads for 9 parameters \(8 rules and the intercept\), at least 45 are needed \(5 per parameter\)$")):
        suggest_weights(con)


def test_the_command_says_what_is_missing_in_one_line_with_exit_code_2(tmp_path, monkeypatch, capsys):
    few = write_warehouse(tmp_path / "lead_scoring.duckdb", _leads_with(25, 1000), [])
    monkeypatch.setenv("LEAD_SCORING_DB", str(few))
    assert cli.main(["suggest-weights"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("lead-scoring suggest-weights: too few outcomes to suggest weights for model hybrid_v1 "
                            "(outcome opportunity, 1000 leads old enough): 25 leads reached an opportunity, at least 30 are needed\n")
    assert cli.main(["suggest-weights", "--model", "nope"]) == 2
    assert capsys.readouterr().err == "lead-scoring suggest-weights: unknown scoring model 'nope': the models are enterprise_gate_v1, hybrid_v1\n"
    assert not (tmp_path / "rule_candidates").exists()


def test_the_command_writes_the_candidate_beside_the_warehouse_and_names_the_next_step(synthetic_warehouse, tmp_path, monkeypatch, capsys):
    warehouse = tmp_path / "wh" / "lead_scoring.duckdb"
    warehouse.parent.mkdir()
    warehouse.write_bytes(synthetic_warehouse.read_bytes())
    monkeypatch.setenv("LEAD_SCORING_DB", str(warehouse))
    assert cli.main(["suggest-weights"]) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "wh" / "rule_candidates" / "suggested"
    assert (folder / "suggestions.md").exists() and (folder / "scoring_models.csv").exists()
    assert out.startswith(f"Suggested weights for {MODEL} (outcome opportunity: ")
    assert out.rstrip().endswith(f"then: lead-scoring preview --rules {folder}")
    # A third of the synthetic opportunities are won: enough for the other outcome too.
    assert cli.main(["suggest-weights", "--outcome", "won", "--out", str(tmp_path / "won")]) == 0
    assert capsys.readouterr().out.startswith(f"Suggested weights for {MODEL} (outcome won: ")
    assert (tmp_path / "won" / "suggestions.md").read_text().startswith(f"# Suggested weights: {MODEL}, outcome won\n")
