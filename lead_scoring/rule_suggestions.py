"""Suggested rule points and threshold, learned from what the leads did (docs/scoring-rules.md#suggested-weights).

For one scoring model and one outcome (an opportunity, or a won deal), a logistic regression of the
outcome on which rules each lead hit before its first opportunity (intermediate.int_lead_rule_hits),
over the leads old enough for an outcome (intermediate.int_lead_feedback_outcomes). The coefficients,
scaled onto the current points, are the suggested points; the suggested threshold keeps the share of
leads at or above it. The result is a candidate seed folder and a report to review: nothing is
written to seeds/.

Plain numpy (Newton steps with a small ridge); leads that hit the same rules are fitted as one row
with a count, which gives the same estimates as one row per lead.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from lead_scoring import settings
from lead_scoring.warehouse import table_exists

SEEDS_DIR = settings.DBT_PROJECT_DIR / "seeds"
FIT_RULES_FILE, ENGAGEMENT_RULES_FILE, MODELS_FILE = "scoring_fit_rules.csv", "scoring_engagement_rules.csv", "scoring_models.csv"
SEED_FILES = (FIT_RULES_FILE, ENGAGEMENT_RULES_FILE, MODELS_FILE)
REPORT_FILE = "suggestions.md"
CANDIDATE_DIR = Path("rule_candidates") / "suggested"  # beside the warehouse file
PRINTED_RULES = 5  # the console shows the rules whose points change most; suggestions.md has them all

WAREHOUSE_SCHEMA = "intermediate"
OUTCOMES_TABLE, RULE_HITS_TABLE, MODELS_TABLE = "int_lead_feedback_outcomes", "int_lead_rule_hits", "int_scoring_models"

# outcome name -> (column of int_lead_feedback_outcomes, what a lead with it did)
OUTCOMES = {"opportunity": ("reached_opportunity", "reached an opportunity"), "won": ("reached_customer", "were won")}
DEFAULT_OUTCOME = "opportunity"

# Below these the estimates are mostly noise: a clear error instead of numbers.
MIN_OUTCOME_LEADS = 30  # leads with the outcome
MIN_NO_OUTCOME_LEADS = 30  # leads without it
# Leads of the rarer of the two groups per estimated parameter (each estimable rule and the intercept): the
# rarer group bounds what the fit can learn; 5 to 9 per parameter usually gives usable estimates and intervals.
MIN_RARER_LEADS_PER_PARAMETER = 5

RIDGE_PENALTY = 1.0  # L2 penalty on the rule coefficients (not the intercept): keeps a rule every hitter of which converted finite
INTERVAL_Z = 1.96  # 95 % normal interval
MAX_NEWTON_STEPS = 100
CONVERGENCE_TOLERANCE = 1e-10  # largest change of a coefficient at which the fit has converged


class SuggestionError(ValueError):
    """Suggestions cannot be made; the message is one line saying why."""


class TooFewOutcomesError(SuggestionError):
    """Too few leads with (or without) the outcome for estimates worth reading."""


# --- the logistic regression -------------------------------------------------------------------


@dataclass(frozen=True)
class LogisticFit:
    intercept: float
    coefficients: np.ndarray  # one per column of the hits matrix, log odds
    standard_errors: np.ndarray  # from the inverse (penalised) Fisher information
    newton_steps: int


def _penalised_log_likelihood(design, positives, leads, beta, penalty) -> float:
    eta = design @ beta
    return float(positives @ eta - leads @ np.logaddexp(0.0, eta) - 0.5 * penalty @ (beta * beta))


def fit_logistic(hits: np.ndarray, positives: np.ndarray, leads: np.ndarray | None = None, ridge: float = RIDGE_PENALTY) -> LogisticFit:
    """Logistic regression of the outcome on 0/1 rule hits, with an intercept. Each row of `hits`
    stands for `leads` leads (default 1) with the same hits, `positives` of which had the outcome.
    Maximises the log-likelihood minus ridge/2 times the sum of the squared rule coefficients, by
    Newton steps (iteratively reweighted least squares), halving a step that would lower it."""
    hits = np.asarray(hits, dtype=float)
    if hits.ndim == 1:
        hits = hits[:, None]
    positives = np.asarray(positives, dtype=float)
    leads = np.ones(len(hits)) if leads is None else np.asarray(leads, dtype=float)
    design = np.column_stack([np.ones(len(hits)), hits])
    penalty = np.full(design.shape[1], float(ridge))
    penalty[0] = 0.0
    beta = np.zeros(design.shape[1])
    # Start at the overall rate: fewer steps, and the first step is never far off.
    rate = min(max(positives.sum() / leads.sum(), 1e-6), 1 - 1e-6)
    beta[0] = math.log(rate / (1 - rate))
    objective = _penalised_log_likelihood(design, positives, leads, beta, penalty)
    newton_steps = 0
    for _ in range(MAX_NEWTON_STEPS):
        newton_steps += 1
        probability = 1.0 / (1.0 + np.exp(-(design @ beta)))
        gradient = design.T @ (positives - leads * probability) - penalty * beta
        information = (design * (leads * probability * (1 - probability))[:, None]).T @ design + np.diag(penalty)
        try:
            change = np.linalg.solve(information, gradient)
        except np.linalg.LinAlgError as exc:
            raise SuggestionError("the logistic fit did not converge (singular information matrix: a rule separates the outcome, "
                                  "or two rules are hit by the same leads): use a ridge above 0") from exc
        length = 1.0
        while True:
            candidate = beta + length * change
            candidate_objective = _penalised_log_likelihood(design, positives, leads, candidate, penalty)
            if candidate_objective >= objective - 1e-12 * abs(objective) or length < 1e-10:
                break
            length /= 2
        beta, objective = candidate, candidate_objective
        if np.max(np.abs(length * change)) < CONVERGENCE_TOLERANCE:
            break
    else:
        raise SuggestionError(f"the logistic fit did not converge in {MAX_NEWTON_STEPS} Newton steps (a rule separates the outcome): use a ridge above 0")
    probability = 1.0 / (1.0 + np.exp(-(design @ beta)))
    information = (design * (leads * probability * (1 - probability))[:, None]).T @ design + np.diag(penalty)
    covariance = np.linalg.inv(information)
    errors = np.sqrt(np.diag(covariance))
    return LogisticFit(intercept=float(beta[0]), coefficients=beta[1:], standard_errors=errors[1:], newton_steps=newton_steps)


# --- the seeds ---------------------------------------------------------------------------------


def _raw_fields(record: str) -> list[str]:
    """The fields of one CSV record as written, quotes included: split at the commas outside quotes."""
    fields, start, quoted = [], 0, False
    for i, char in enumerate(record):
        if char == '"':
            quoted = not quoted  # a doubled quote inside a quoted field toggles twice
        elif char == "," and not quoted:
            fields.append(record[start:i])
            start = i + 1
    return [*fields, record[start:]]


def _csv_field(value: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([value])
    return out.getvalue()


@dataclass
class SeedTable:
    """A seed CSV as rows of strings (header first), with each record's text as written. Written
    back, an unchanged record is its original text and a changed one keeps the text of its unchanged
    cells: the seeds quote some cells that need no quotes, which a plain csv.writer would drop."""

    path: Path
    rows: list[list[str]]
    records: list[str]  # the text of each row in the file, without its line end
    line_terminator: str
    ends_with_terminator: bool

    @property
    def header(self) -> list[str]:
        return self.rows[0]

    @property
    def body(self) -> list[list[str]]:
        return self.rows[1:]

    def column(self, name: str) -> int:
        if name not in self.header:
            raise SuggestionError(f"{self.path.name} has no column {name}")
        return self.header.index(name)

    def text(self) -> str:
        records = []
        for row, record in zip(self.rows, self.records):
            original = next(csv.reader([record])) if record else []
            if row == original:
                records.append(record)
            else:
                raw = _raw_fields(record)
                records.append(",".join(raw[i] if i < len(original) and value == original[i] else _csv_field(value)
                                        for i, value in enumerate(row)))
        return self.line_terminator.join(records) + (self.line_terminator if self.ends_with_terminator else "")


def parse_seed(path: Path, text: str) -> SeedTable:
    """A seed CSV's rows and records; SuggestionError when the csv module does not read it back as written."""
    terminator = "\r\n" if "\r\n" in text else "\n"
    ends_with_terminator = text.endswith(terminator)
    lines = (text[: -len(terminator)] if ends_with_terminator else text).split(terminator)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, records, used = [], [], 0
    for row in reader:
        rows.append(row)
        records.append(terminator.join(lines[used:reader.line_num]))  # a quoted cell may hold a line end
        used = reader.line_num
    table = SeedTable(path, rows, records, terminator, ends_with_terminator)
    if not rows or table.text() != text or any(_raw_fields(r) and len(_raw_fields(r)) != len(row) for r, row in zip(records, rows)):
        raise SuggestionError(f"{path} does not read back as written with Python's csv module: check its quoting and line ends")
    return table


def read_seed(path: Path) -> SeedTable:
    return parse_seed(path, path.read_bytes().decode("utf-8"))


def _id(cell: str) -> str:
    # Ids are compared as the models read them (macro as_id): spaces around them removed.
    return cell.strip()


def _flag(cell: str) -> bool:
    return cell.strip().lower() in {"true", "yes", "1", "y"}  # macro as_flag


def _number(table: SeedTable, row: list[str], column: str) -> float | None:
    cell = row[table.column(column)].strip()
    if not cell:
        return None
    try:
        return float(cell)
    except ValueError:
        raise SuggestionError(f"{table.path.name}, model {_id(row[table.column('model_id')])}: {column} must be a number, got {cell!r}") from None


def format_number(value: float) -> str:
    """A seed cell: whole numbers without a decimal point."""
    return str(int(value)) if float(value).is_integer() else f"{value:.10g}"


def round_points(value: float) -> int:
    """To the nearest whole point, halves away from zero (so +2.5 and -2.5 are 3 and -3)."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


@dataclass(frozen=True)
class SeedRule:
    rule_kind: str  # fit | engagement
    rule_id: str
    points: float
    max_points: float | None  # engagement rules only; None = no cap
    decays: bool  # half_life_days is set: its points may not be negative
    is_required_for_mql: bool


def seed_rules(seeds_dir: Path, model_id: str) -> list[SeedRule]:
    """The model's fit rules, then its engagement rules, in seed order."""
    rules = []
    for kind, name in (("fit", FIT_RULES_FILE), ("engagement", ENGAGEMENT_RULES_FILE)):
        table = read_seed(seeds_dir / name)
        for row in table.body:
            if _id(row[table.column("model_id")]) != model_id:
                continue
            points = _number(table, row, "points")
            if points is None:
                raise SuggestionError(f"{name}, model {model_id}, rule {_id(row[table.column('rule_id')])}: points is empty")
            engagement = kind == "engagement"
            rules.append(SeedRule(
                rule_kind=kind, rule_id=_id(row[table.column("rule_id")]), points=points,
                max_points=_number(table, row, "max_points") if engagement else None,
                decays=engagement and _number(table, row, "half_life_days") is not None,
                is_required_for_mql=_flag(row[table.column("required_for_mql")]),
            ))
    return rules


# --- reading the warehouse ---------------------------------------------------------------------


def scoring_models(con: duckdb.DuckDBPyConnection, seeds_dir: Path = SEEDS_DIR) -> dict[str, bool]:
    """{model_id: is_primary} from the warehouse's intermediate.int_scoring_models, else from the seed."""
    if table_exists(con, WAREHOUSE_SCHEMA, MODELS_TABLE):
        return dict(con.execute(f"select model_id, is_primary from {WAREHOUSE_SCHEMA}.{MODELS_TABLE} order by model_id").fetchall())
    table = read_seed(seeds_dir / MODELS_FILE)
    return {_id(row[table.column("model_id")]): _flag(row[table.column("is_primary")]) for row in table.body}


def hit_patterns(con: duckdb.DuckDBPyConnection, model_id: str, outcome: str) -> list[tuple[frozenset[tuple[str, str]], int, int]]:
    """(rules hit, leads, leads with the outcome) per set of rules hit, over the model's feedback-scope leads."""
    column = OUTCOMES[outcome][0]
    rows = con.execute(f"""
        with outcomes as (
            select lead_id, {column} as reached
            from {WAREHOUSE_SCHEMA}.{OUTCOMES_TABLE}
            where model_id = $model_id
        ),
        hits as (
            select distinct lead_id, rule_kind, rule_id
            from {WAREHOUSE_SCHEMA}.{RULE_HITS_TABLE}
            where model_id = $model_id
        ),
        lead_hits as (
            select outcomes.lead_id, outcomes.reached,
                list_sort(list([hits.rule_kind, hits.rule_id]) filter (where hits.rule_id is not null)) as rules_hit
            from outcomes
            left join hits on hits.lead_id = outcomes.lead_id
            group by outcomes.lead_id, outcomes.reached
        )
        select rules_hit, count(*) as leads, count(case when reached then 1 end) as outcome_leads
        from lead_hits
        group by rules_hit
        order by rules_hit
    """, {"model_id": model_id}).fetchall()
    return [(frozenset(tuple(hit) for hit in rules_hit or []), leads, outcome_leads) for rules_hit, leads, outcome_leads in rows]


# --- the suggestions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSuggestion:
    rule_kind: str
    rule_id: str
    current_points: float
    candidate_points: float  # what the candidate seed holds: the suggestion, or the current points when there is none
    fitted_points: float | None  # scale x coefficient, before rounding; None when the rule cannot be estimated
    interval: tuple[float, float] | None  # 95 % interval of fitted_points
    coefficient: float | None  # log odds
    standard_error: float | None
    hit_leads: int
    hit_outcome_leads: int
    outcome_rate_when_hit: float | None
    lift: float | None  # outcome rate when hit / overall outcome rate
    current_max_points: float | None
    candidate_max_points: float | None
    note: str

    @property
    def is_estimable(self) -> bool:
        return self.coefficient is not None


@dataclass(frozen=True)
class WeightSuggestions:
    model_id: str
    outcome: str
    leads: int
    outcome_leads: int
    intercept: float
    scale: float  # points per unit of log odds
    ridge: float
    current_threshold: float
    candidate_threshold: float
    current_share: float  # share of the leads at or above the current threshold, approximate score, gates held
    candidate_share: float  # the same with the candidate points and threshold
    rules: tuple[RuleSuggestion, ...]
    notes: tuple[str, ...]


def check_outcome_counts(model_id: str, outcome: str, leads: int, outcome_leads: int, parameters: int) -> None:
    """TooFewOutcomesError unless the minimums hold (MIN_OUTCOME_LEADS, MIN_NO_OUTCOME_LEADS,
    MIN_RARER_LEADS_PER_PARAMETER leads of the rarer group per parameter)."""
    without = leads - outcome_leads
    did = OUTCOMES[outcome][1]
    problems = []
    if outcome_leads < MIN_OUTCOME_LEADS:
        problems.append(f"{outcome_leads} leads {did}, at least {MIN_OUTCOME_LEADS} are needed")
    if without < MIN_NO_OUTCOME_LEADS:
        problems.append(f"{without} leads did not, at least {MIN_NO_OUTCOME_LEADS} are needed")
    rarer = min(outcome_leads, without)
    if not problems and rarer < MIN_RARER_LEADS_PER_PARAMETER * parameters:
        problems.append(f"the rarer group has {rarer} leads for {parameters} parameters ({parameters - 1} rules and the intercept), "
                        f"at least {MIN_RARER_LEADS_PER_PARAMETER * parameters} are needed ({MIN_RARER_LEADS_PER_PARAMETER} per parameter)")
    if problems:
        raise TooFewOutcomesError(f"too few outcomes to suggest weights for model {model_id} (outcome {outcome}, {leads} leads old enough): "
                                  + "; ".join(problems))


def scale_factor(current_points: np.ndarray, coefficients: np.ndarray) -> float:
    """k minimising the sum of (current points - k x coefficient)^2: the one factor that puts the
    coefficients on the scale of the current points."""
    squares = float(coefficients @ coefficients)
    scale = float(current_points @ coefficients) / squares if squares > 0 else 0.0
    if scale <= 0:
        raise SuggestionError("the fitted effects run against the current points as a whole (scale factor not positive): "
                              "the current scale cannot carry them; see mart_feedback_rules")
    return scale


def suggested_threshold(old_scores: np.ndarray, new_scores: np.ndarray, leads: np.ndarray, gates_hold: np.ndarray,
                        current_threshold: float) -> tuple[float, float, float]:
    """The threshold on the new scores whose share of leads at or above it (gates held) is closest
    to the share the current threshold gives on the old scores; on a tie, the one nearest the
    current threshold. Returns (threshold, current share, new share)."""
    total = leads.sum()
    current_share = leads[(old_scores >= current_threshold) & gates_hold].sum() / total
    candidates = [*np.unique(new_scores), new_scores.max() + 1]  # one above every score: no lead qualifies

    def share(threshold: float) -> float:
        return leads[(new_scores >= threshold) & gates_hold].sum() / total

    best = min(candidates, key=lambda t: (abs(share(t) - current_share), abs(t - current_threshold)))
    return float(best), float(current_share), float(share(best))


def suggest_weights(con: duckdb.DuckDBPyConnection, model_id: str | None = None, outcome: str = DEFAULT_OUTCOME,
                    seeds_dir: Path = SEEDS_DIR, ridge: float = RIDGE_PENALTY) -> WeightSuggestions:
    """Suggested points and threshold for `model_id` (default: the primary model) from the
    warehouse `con` and the seeds in `seeds_dir` (the current points). SuggestionError (one line)
    when they cannot be made, TooFewOutcomesError below the minimums."""
    if outcome not in OUTCOMES:
        raise SuggestionError(f"unknown outcome {outcome!r}: use {' or '.join(OUTCOMES)}")
    for table in (OUTCOMES_TABLE, RULE_HITS_TABLE):
        if not table_exists(con, WAREHOUSE_SCHEMA, table):
            raise SuggestionError(f"the warehouse has no {WAREHOUSE_SCHEMA}.{table}: run the daily job first (lead-scoring run)")
    models = scoring_models(con, seeds_dir)
    if model_id is None:
        primary = [m for m, is_primary in models.items() if is_primary]
        if len(primary) != 1:
            raise SuggestionError(f"expected one primary scoring model, found {len(primary)}: name one with --model")
        model_id = primary[0]
    elif model_id not in models:
        raise SuggestionError(f"unknown scoring model {model_id!r}: the models are {', '.join(models)}")
    model_table = read_seed(seeds_dir / MODELS_FILE)
    model_rows = [row for row in model_table.body if _id(row[model_table.column("model_id")]) == model_id]
    if not model_rows:
        raise SuggestionError(f"model {model_id} is in the warehouse but not in {seeds_dir / MODELS_FILE}")
    model_row = model_rows[0]
    current_threshold = _number(model_table, model_row, "mql_threshold")
    nurture_min_score = _number(model_table, model_row, "nurture_min_score")
    rules = seed_rules(seeds_dir, model_id)
    keys = [(rule.rule_kind, rule.rule_id) for rule in rules]

    patterns = hit_patterns(con, model_id, outcome)
    leads = np.array([n for _, n, _ in patterns], dtype=float)
    positives = np.array([p for _, _, p in patterns], dtype=float)
    hits = np.array([[key in rules_hit for key in keys] for rules_hit, _, _ in patterns], dtype=float).reshape(len(patterns), len(keys))
    total, total_positive = int(leads.sum()), int(positives.sum())
    hit_leads = leads @ hits
    hit_positives = positives @ hits
    estimable = (hit_leads > 0) & (hit_leads < total)
    check_outcome_counts(model_id, outcome, total, total_positive, int(estimable.sum()) + 1)

    notes = []
    unknown = sorted({f"{kind} {rule_id}" for rules_hit, _, _ in patterns for kind, rule_id in rules_hit} - {f"{k} {r}" for k, r in keys})
    if unknown:
        notes.append(f"Hits of rules that are not in the seeds were left out (the seeds changed since the last run?): {', '.join(unknown)}.")
    fit = fit_logistic(hits[:, estimable], positives, leads, ridge)
    current = np.array([rule.points for rule in rules])
    scale = scale_factor(current[estimable], fit.coefficients)

    overall_rate = total_positive / total
    estimable_index = {i: j for j, i in enumerate(np.flatnonzero(estimable))}
    columns = {i: hits[:, i].tobytes() for i in estimable_index}
    suggestions = []
    for i, rule in enumerate(rules):
        rule_notes = ["gate (required_for_mql)"] if rule.is_required_for_mql else []
        rate = hit_positives[i] / hit_leads[i] if hit_leads[i] else None
        coefficient = error = fitted = interval = None
        candidate = rule.points
        if i in estimable_index:
            j = estimable_index[i]
            coefficient, error = float(fit.coefficients[j]), float(fit.standard_errors[j])
            fitted = scale * coefficient
            interval = (scale * (coefficient - INTERVAL_Z * error), scale * (coefficient + INTERVAL_Z * error))
            candidate = float(round_points(fitted))
            if hit_positives[i] in (0, hit_leads[i]):
                which = "every" if hit_positives[i] else "no"
                rule_notes.append(f"{which} lead that hit it had the outcome: only the ridge keeps it finite, read the interval")
            twins = [rules[k].rule_id for k in estimable_index if k != i and columns[k] == columns[i]]
            if twins:
                rule_notes.append(f"hit by exactly the same leads as {', '.join(twins)}: their split is arbitrary")
            if interval[0] <= 0 <= interval[1]:
                rule_notes.append("interval contains 0")
            if candidate < 0 and rule.decays:
                rule_notes.append(f"fitted {round_points(fitted)}, but negative points cannot decay (half_life_days): "
                                  "the candidate holds 0; for a penalty use window_days instead of half_life_days")
                candidate = 0.0
        else:
            rule_notes.append(f"not estimable: hit by {'no' if hit_leads[i] == 0 else 'every'} lead; points kept")
        candidate_max = rule.max_points
        if rule.max_points is not None and abs(candidate) > rule.max_points:
            # Raised in the same ratio to the points as now (e.g. two occurrences' worth), else the cap would undo the edit.
            ratio = rule.max_points / abs(rule.points) if rule.points else 1.0
            candidate_max = float(max(abs(candidate), round_points(abs(candidate) * ratio)))
            rule_notes.append(f"max_points raised from {format_number(rule.max_points)} to {format_number(candidate_max)}")
        suggestions.append(RuleSuggestion(
            rule_kind=rule.rule_kind, rule_id=rule.rule_id, current_points=rule.points, candidate_points=candidate,
            fitted_points=fitted, interval=interval, coefficient=coefficient, standard_error=error,
            hit_leads=int(hit_leads[i]), hit_outcome_leads=int(hit_positives[i]), outcome_rate_when_hit=rate,
            lift=rate / overall_rate if rate is not None and overall_rate > 0 else None,
            current_max_points=rule.max_points, candidate_max_points=candidate_max, note="; ".join(rule_notes),
        ))

    candidate_points = np.array([s.candidate_points for s in suggestions])
    required = np.array([rule.is_required_for_mql for rule in rules], dtype=bool)
    gates_hold = (hits[:, required] == 1).all(axis=1) if required.any() else np.ones(len(patterns), dtype=bool)
    threshold, current_share, candidate_share = suggested_threshold(hits @ current, hits @ candidate_points, leads, gates_hold, current_threshold)
    if threshold <= max(nurture_min_score or 0.0, 0.0):
        lowest = math.floor(max(nurture_min_score or 0.0, 0.0)) + 1
        notes.append(f"The threshold that keeps the share ({format_number(threshold)}) is not above nurture_min_score "
                     f"({format_number(nurture_min_score or 0)}); the candidate holds {lowest}, the lowest the seed allows.")
        threshold = float(lowest)
        candidate_share = float(leads[((hits @ candidate_points) >= threshold) & gates_hold].sum() / total)
    return WeightSuggestions(
        model_id=model_id, outcome=outcome, leads=total, outcome_leads=total_positive, intercept=fit.intercept, scale=scale,
        ridge=ridge, current_threshold=current_threshold, candidate_threshold=threshold, current_share=current_share,
        candidate_share=candidate_share, rules=tuple(suggestions), notes=tuple(notes),
    )


# --- the candidate folder ----------------------------------------------------------------------


def candidate_tables(suggestions: WeightSuggestions, seeds_dir: Path = SEEDS_DIR) -> dict[str, SeedTable]:
    """The three scoring seeds with only the model's points, max_points and mql_threshold changed.
    A cell whose number does not change keeps its text (`20.0` stays `20.0`)."""
    by_rule = {(s.rule_kind, s.rule_id): s for s in suggestions.rules}

    def set_number(table: SeedTable, row: list[str], column: str, value: float | None) -> None:
        current = _number(table, row, column)
        if value is not None and value != current:
            row[table.column(column)] = format_number(value)

    tables = {name: read_seed(seeds_dir / name) for name in SEED_FILES}
    for kind, name in (("fit", FIT_RULES_FILE), ("engagement", ENGAGEMENT_RULES_FILE)):
        table = tables[name]
        for row in table.body:
            suggestion = by_rule.get((kind, _id(row[table.column("rule_id")]))) if _id(row[table.column("model_id")]) == suggestions.model_id else None
            if suggestion is not None:
                set_number(table, row, "points", suggestion.candidate_points)
                if kind == "engagement":
                    set_number(table, row, "max_points", suggestion.candidate_max_points)
    models = tables[MODELS_FILE]
    for row in models.body:
        if _id(row[models.column("model_id")]) == suggestions.model_id:
            set_number(models, row, "mql_threshold", suggestions.candidate_threshold)
    return tables


def changed_cells(original_dir: Path, candidate_dir: Path) -> list[tuple[str, str, str, str, str, str]]:
    """(file, model_id, rule_id or '', column, original text, candidate text) for every cell of the
    scoring seeds that differs; SuggestionError when a file differs in anything but cells."""
    changes = []
    for name in SEED_FILES:
        original, candidate = read_seed(original_dir / name), read_seed(candidate_dir / name)
        if candidate.header != original.header or len(candidate.body) != len(original.body):
            raise SuggestionError(f"{candidate_dir / name} does not have the rows and columns of {original_dir / name}")
        for before, after in zip(original.body, candidate.body):
            if len(before) != len(after):
                raise SuggestionError(f"{candidate_dir / name}: a row has {len(after)} cells, the seed's has {len(before)}")
            rule_id = _id(before[original.column("rule_id")]) if "rule_id" in original.header else ""
            changes += [(name, _id(before[original.column("model_id")]), rule_id, column, old, new)
                        for column, old, new in zip(original.header, before, after) if old != new]
    return changes


def write_candidate(suggestions: WeightSuggestions, out_dir: Path, seeds_dir: Path = SEEDS_DIR) -> Path:
    """Write the candidate seeds and suggestions.md to `out_dir` (created; files in it replaced) and
    return it. Refuses the seeds folder itself: a candidate is applied by a person, after review."""
    out_dir = Path(out_dir).expanduser().resolve()
    if out_dir == Path(seeds_dir).resolve():
        raise SuggestionError(f"{out_dir} is the seeds folder: write the candidate elsewhere and review it first")
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, table in candidate_tables(suggestions, seeds_dir).items():
        (out_dir / name).write_bytes(table.text().encode("utf-8"))
    changes = changed_cells(seeds_dir, out_dir)  # also checks each file reads back with the seed's rows and columns
    unexpected = [c for c in changes if c[1] != suggestions.model_id or c[3] not in {"points", "max_points", "mql_threshold"}]
    if unexpected:
        raise SuggestionError(f"the candidate changed cells it should not have: {unexpected[:3]}")
    (out_dir / REPORT_FILE).write_text(render_report(suggestions, changes, out_dir))
    return out_dir


def _points(value: float | None) -> str:
    return "" if value is None else format_number(value)


def _interval(interval: tuple[float, float] | None) -> str:
    return "" if interval is None else f"{interval[0]:.1f} to {interval[1]:.1f}"


def _share(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f} %"


def render_report(suggestions: WeightSuggestions, changes: list[tuple[str, str, str, str, str, str]], out_dir: Path) -> str:
    """suggestions.md: what was fitted, the table of rules, the threshold, the changed cells, what to do next."""
    s = suggestions
    did = OUTCOMES[s.outcome][1]
    estimable = sum(rule.is_estimable for rule in s.rules)
    lines = [
        f"# Suggested weights: {s.model_id}, outcome {s.outcome}",
        "",
        f"{s.leads} leads created at least feedback_min_lead_age_days before the scoring day; {s.outcome_leads} of them {did} "
        f"({_share(s.outcome_leads / s.leads)}). A logistic regression of that outcome on the rules each lead hit before its "
        f"first opportunity (ridge {s.ridge:g}, intercept {s.intercept:.3f} log odds) gives each rule's effect; "
        f"suggested points = {s.scale:.2f} x effect, the least-squares fit of the current points over the {estimable} estimable rules, "
        "rounded to whole points. Lift = outcome rate of the leads that hit the rule / the rate of all of them.",
        "",
        "| rule | kind | current points | suggested | 95 % interval | hit leads | outcome rate when hit | lift | note |",
        "|---|---|---:|---:|---|---:|---:|---:|---|",
    ]
    for rule in s.rules:
        lift = "" if rule.lift is None else f"{rule.lift:.2f}"
        lines.append(f"| {rule.rule_id} | {rule.rule_kind} | {_points(rule.current_points)} | {_points(rule.candidate_points)} | "
                     f"{_interval(rule.interval)} | {rule.hit_leads} | {_share(rule.outcome_rate_when_hit)} | {lift} | {rule.note} |")
    lines += [
        "",
        f"**Threshold**: {_points(s.current_threshold)} -> {_points(s.candidate_threshold)}. With the current points "
        f"{_share(s.current_share)} of these leads score at least {_points(s.current_threshold)} and hold every gate; with the "
        f"suggested points {_share(s.candidate_share)} score at least {_points(s.candidate_threshold)}. The score used here is "
        "approximate: the sum of the points of the rules a lead hit, each once; it ignores repeated occurrences, decay and caps. "
        f"`lead-scoring preview --rules {out_dir}` computes the real effect.",
        "",
        *s.notes,
        *([""] if s.notes else []),
        "**Changed cells** (everything else in these files is the same as in seeds/):",
        "",
        *(f"- {name}, {model_id}{' ' + rule_id if rule_id else ''}: {column} {old} -> {new}" for name, model_id, rule_id, column, old, new in changes),
        *(["- none"] if not changes else []),
        "",
        f"Nothing has been applied. Review this folder, then run `lead-scoring preview --rules {out_dir}`; to adopt it, copy "
        "the three CSV files into seeds/ and commit them.",
        "",
    ]
    return "\n".join(lines)


# --- the command line (`lead-scoring suggest-weights`) -----------------------------------------


def default_out_dir() -> Path:
    """rule_candidates/suggested/ beside the warehouse file."""
    return settings.warehouse_path().parent / CANDIDATE_DIR


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--model", default=None, help="scoring model (default: the primary one)")
    parser.add_argument("--outcome", choices=list(OUTCOMES), default=DEFAULT_OUTCOME,
                        help="what the rules should predict: an opportunity, or a won deal (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for the candidate seeds and suggestions.md (default: rule_candidates/suggested/ beside the warehouse file)")
    return parser


def summary_lines(suggestions: WeightSuggestions) -> list[str]:
    """A few lines for the console: the PRINTED_RULES rules whose points change most, and the threshold."""
    s = suggestions
    changed = [rule for rule in s.rules if rule.candidate_points != rule.current_points]
    largest_first = sorted(changed, key=lambda r: -abs(r.candidate_points - r.current_points))
    width = max([len(rule.rule_id) for rule in largest_first[:PRINTED_RULES]] + [len("mql_threshold")])
    lines = [f"Suggested weights for {s.model_id} (outcome {s.outcome}: {s.outcome_leads} of {s.leads} leads), "
             f"{len(changed)} of {len(s.rules)} rules change:",
             f"  {'rule':<{width}}  {'current':>7}  {'suggested':>9}  {'95 % interval':<16}  {'lift':>5}"]
    for rule in largest_first[:PRINTED_RULES]:
        lift = "" if rule.lift is None else f"{rule.lift:.2f}"
        lines.append(f"  {rule.rule_id:<{width}}  {_points(rule.current_points):>7}  {_points(rule.candidate_points):>9}  "
                     f"{_interval(rule.interval):<16}  {lift:>5}")
    if len(changed) > PRINTED_RULES:
        lines.append(f"  ... and {len(changed) - PRINTED_RULES} more in {REPORT_FILE}")
    lines.append(f"  {'mql_threshold':<{width}}  {_points(s.current_threshold):>7}  {_points(s.candidate_threshold):>9}")
    return lines


def run(args: argparse.Namespace) -> int:
    """`lead-scoring suggest-weights`: write the candidate folder and print where it is. A problem is
    one line on stderr and exit code 2."""
    path = settings.warehouse_path()
    try:
        if not path.exists():
            raise SuggestionError(f"no warehouse at {path}: run the daily job first (lead-scoring run)")
        try:
            with duckdb.connect(str(path), read_only=True) as con:
                suggestions = suggest_weights(con, args.model, args.outcome)
        except duckdb.Error as exc:
            raise SuggestionError(f"cannot read the warehouse {path}: {str(exc).splitlines()[0]}") from exc
        try:
            out_dir = write_candidate(suggestions, args.out or default_out_dir())
        except OSError as exc:
            raise SuggestionError(f"cannot write the candidate folder: {exc}") from exc
    except SuggestionError as exc:
        print(f"lead-scoring suggest-weights: {exc}", file=sys.stderr)
        return 2
    print("\n".join(summary_lines(suggestions)))
    print(f"\nCandidate seeds and report: {out_dir}")
    print(f"Nothing was applied. Review {out_dir / REPORT_FILE}, then: lead-scoring preview --rules {out_dir}")
    return 0
