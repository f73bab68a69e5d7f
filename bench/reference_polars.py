"""Reference (c): the same scoring in Polars' lazy API, written the way a Polars user would: the
staged tables once, then one long table of (rule, lead, day) counts for every rule of every model,
window functions over (rule, lead), a range join for the decaying rules; lazy plans collected
where their result is read more than once. Loops
only build expressions (per rule, per event type, per model), never run over rows.

Output and semantics as bench/reference_pandas.py (whose docstring explains the method): one row
per (model_id, lead_id) created on or before `as_of`, with total_score and first_mql_date. The seed
numbers are 32-bit like the dbt models' FLOAT, and so are the decay exponents.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce

import duckdb
import polars as pl

from bench.raw_tables import read_raw
from bench.scoring_config import EngagementRule, FitRule, ScoringConfig

KEYS = ["model_id", "lead"]  # a lead's row number in the staged leads stands for its id


def load_raw(con: duckdb.DuckDBPyConnection, raw_schema: str = "raw", batch: int = 0, batches: int = 1) -> dict[str, pl.LazyFrame]:
    """The raw tables (bench.raw_tables.read_raw) as lazy frames over Arrow memory."""
    return {name: pl.from_arrow(table).lazy() for name, table in read_raw(con, raw_schema, batch, batches).items()}


def _f32(value: float | None) -> pl.Expr:
    """A seed number as the dbt models hold it (FLOAT), in double precision."""
    return pl.lit(value, dtype=pl.Float32).cast(pl.Float64)


def _decay(age_days: pl.Expr, half_life: pl.Expr) -> pl.Expr:
    """2^(-age / h), the exponent in single precision as DuckDB computes it for a FLOAT h."""
    return pl.lit(2.0).pow(((-age_days).cast(pl.Float32) / half_life.cast(pl.Float32)).cast(pl.Float64))


def _clamp(value: pl.Expr, cap: pl.Expr) -> pl.Expr:
    """value within +-cap; no cap when it is null."""
    return pl.when(cap.is_null()).then(value).otherwise(value.clip(-cap, cap))


def _utc_day(timestamps: pl.Expr) -> pl.Expr:
    return timestamps.dt.convert_time_zone("UTC").dt.date().cast(pl.Int32)


def _text(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars()


def _non_empty(text: pl.Expr) -> pl.Expr:
    return pl.when(text != "").then(text)


def _staged_leads(leads: pl.LazyFrame, as_of_day: int) -> pl.LazyFrame:
    """The latest version of each lead, normalised like stg_raw__leads; `lead` is its row number."""
    return (
        leads.filter(pl.col("lead_id").is_not_null())
        .with_columns(_text("lead_id").alias("lead_id"), pl.coalesce("updated_at", "created_at").alias("updated"))
        .sort(["updated", "created_at"], descending=True, nulls_last=True, maintain_order=True)
        .unique("lead_id", keep="first")
        .select(
            "lead_id",
            pl.col("company_size").cast(pl.Float64),
            _non_empty(_text("industry").str.to_lowercase()).alias("industry"),
            _non_empty(_text("job_title")).alias("job_title"),
            _non_empty(_text("country").str.to_uppercase()).alias("country_code"),
            _non_empty(_text("lead_source").str.to_lowercase()).alias("lead_source"),
            _non_empty(_text("campaign").str.to_lowercase()).alias("campaign"),
            _utc_day(pl.col("created_at")).alias("created_on"),
        )
        .filter(pl.col("created_on") <= as_of_day)
        .with_row_index("lead")
    )


def _staged_events(events: pl.LazyFrame, leads: pl.LazyFrame) -> pl.LazyFrame:
    """The first delivery of each event_id, of the staged leads only, with the lead's row number."""
    return (
        events.filter(pl.col("event_id").is_not_null())
        .with_columns(_text("event_id").alias("event_id"))
        .sort([pl.coalesce("received_at", "occurred_at"), "occurred_at"], nulls_last=True, maintain_order=True)
        .unique("event_id", keep="first")
        .select(
            _text("lead_id").alias("lead_id"),
            _text("event_type").str.to_lowercase().str.replace_all(" ", "_", literal=True).str.replace_all("-", "_", literal=True).alias("event_type"),
            _utc_day(pl.col("occurred_at")).alias("day"),
            "properties",
        )
        .join(leads.select("lead_id", "lead"), on="lead_id")
        .drop("lead_id")
    )


def _fit_matches(rule: FitRule) -> pl.Expr:
    if rule.operator == "between":
        size = pl.col("company_size")
        match = size.is_not_null()
        if rule.min_value is not None:
            match &= size >= _f32(rule.min_value)
        if rule.max_value is not None:
            match &= size <= _f32(rule.max_value)
        return match
    text = pl.col(rule.attribute).str.to_lowercase()
    if rule.operator == "in":
        return text.is_in(rule.match_values).fill_null(False)
    # contains_any: whole words or phrases, as macros/scoring/fit_rule_matches.sql
    words = pl.lit(" ") + text.str.replace_all(r"[/,\-&]", " ") + pl.lit(" ")
    return pl.any_horizontal(words.str.contains(f" {value} ", literal=True) for value in rule.match_values).fill_null(False)


def _lead_models(config: ScoringConfig, leads: pl.LazyFrame) -> pl.LazyFrame:
    """Per model and lead: fit score, whether the required fit rules hold, the model's threshold and
    number of required engagement rules."""
    frames = []
    for model in config.models:
        by_rule: dict[str, tuple[pl.Expr, float, bool]] = {}  # a rule matches when any of its rows does
        for rule in config.fit_rules_of(model.model_id):
            match, points, required = by_rule.get(rule.rule_id, (pl.lit(False), rule.points, False))
            by_rule[rule.rule_id] = (match | _fit_matches(rule), max(points, rule.points), required or rule.required)
        fit = reduce(lambda total, rule: total + pl.when(rule[0]).then(_f32(rule[1])).otherwise(0.0), by_rule.values(), pl.lit(0.0))
        gates = pl.all_horizontal(pl.lit(True), *(match for match, _, required in by_rule.values() if required))
        frames.append(leads.select(
            pl.lit(model.model_id).alias("model_id"), "lead", "created_on", fit.alias("fit_score"), gates.alias("fit_gates_hold"),
            _f32(model.mql_threshold).alias("mql_threshold"),
            pl.lit(sum(r.required for r in config.engagement_rules_of(model.model_id))).alias("required_rules"),
        ))
    return pl.concat(frames)


def _rule_parameters(rules: list[EngagementRule]) -> pl.LazyFrame:
    """One row per engagement rule j (its position in the config), numbers typed like the seeds."""
    return pl.LazyFrame({
        "j": list(range(len(rules))),
        "model_id": [r.model_id for r in rules],
        "max_per_day": [r.max_per_day for r in rules],
        "window_days": [r.window_days for r in rules],
        "h": [r.half_life_days for r in rules],
        "points": [r.points for r in rules],
        "max_points": [r.max_points for r in rules],
        "min_count": [r.min_count for r in rules],
        "is_required": [r.required for r in rules],
    }, schema_overrides={"j": pl.Int32, "max_per_day": pl.Int64, "window_days": pl.Int32, "min_count": pl.Int64,
                         "h": pl.Float32, "points": pl.Float32, "max_points": pl.Float32}).with_columns(
        pl.col("points", "max_points").cast(pl.Float64))


PROPERTY_TESTS = {  # property_operator -> test of the lower-cased property value
    "equals": lambda value, target: value == target,
    "contains": lambda value, target: value.str.contains(target, literal=True),
    "starts_with": lambda value, target: value.str.starts_with(target),
}


def _event_condition(rule: EngagementRule) -> pl.Expr:
    """Whether an event counts for the rule (its type, and its property test if it has one)."""
    match = pl.col("event_type") == rule.event_type
    if rule.property_key is None:
        return match
    return match & PROPERTY_TESTS[rule.property_operator](pl.col(f"property {rule.property_key}"), rule.property_value).fill_null(False)


def _daily_counts(rules: list[EngagementRule], events: pl.LazyFrame) -> pl.LazyFrame:
    """Occurrences (j, lead, day, n) of every rule j. One pass per event type: its property keys
    are parsed once (only for that type's events), then each of its rules is counted."""
    frames = []
    for event_type in sorted({r.event_type for r in rules}):
        own = [(j, r) for j, r in enumerate(rules) if r.event_type == event_type]
        keys = sorted({r.property_key for _, r in own if r.property_key})
        frames.append(
            events.filter(pl.col("event_type") == event_type)
            .with_columns(pl.col("properties").str.json_path_match(f"$.{key}").str.to_lowercase().alias(f"property {key}") for key in keys)
            .group_by("lead", "day")
            .agg(_event_condition(rule).sum().alias(str(j)) for j, rule in own)
            .unpivot(index=["lead", "day"], variable_name="j", value_name="n")
            .filter(pl.col("n") > 0)
            .with_columns(pl.col("j").cast(pl.Int32), pl.col("n").cast(pl.Int64))
        )
    return pl.concat(frames)


def _rule_states(daily: pl.LazyFrame, parameters: pl.LazyFrame, as_of_day: int) -> pl.LazyFrame:
    """Each rule's state per lead on each day it changes (up to as_of): occurrences in its window n,
    their change dn that day, the decayed weight, and the day of the next state (as
    int_lead_engagement_rule_states)."""
    rule_lead = ["j", "lead"]
    counted = daily.join(parameters, on="j").with_columns(
        pl.min_horizontal("n", pl.col("max_per_day").fill_null(pl.col("n"))).alias("n"),
        pl.col("day").min().over(rule_lead).alias("anchor"),
    ).with_columns(
        (pl.col("n") * pl.when(pl.col("h").is_null()).then(1.0).otherwise(_decay(-(pl.col("day") - pl.col("anchor")), pl.col("h")))).alias("w"),
    )
    expiries = counted.filter(pl.col("window_days").is_not_null()).with_columns(  # -n on the first day out of the window
        (pl.col("day") + pl.col("window_days")).alias("day"), -pl.col("n"), -pl.col("w"))
    return (
        pl.concat([counted, expiries])
        .filter(pl.col("day") <= as_of_day)
        .group_by("j", "lead", "day")
        .agg(pl.col("n").sum().alias("dn"), pl.col("w").sum().alias("dw"), pl.col("anchor").min())
        .sort("j", "lead", "day")
        .with_columns(
            pl.col("dn").cum_sum().over(rule_lead).alias("n"),
            pl.col("dw").cum_sum().over(rule_lead).alias("w"),
            pl.col("day").shift(-1).over(rule_lead).alias("next_day"),
        )
        .join(parameters, on="j")
        .with_columns(
            pl.when(pl.col("n") == 0).then(0.0)
            .when(pl.col("h").is_null()).then(pl.col("w"))
            .otherwise(pl.col("w") * _decay(pl.col("day") - pl.col("anchor"), pl.col("h"))).alias("weighted"),
        )
    )


def _step_points(n: pl.Expr) -> pl.Expr:
    """Points of a rule without decay with n occurrences in its window (constant between its days)."""
    points = pl.col("points")
    return (
        pl.when(pl.col("min_count").is_not_null()).then(pl.when(n >= pl.col("min_count")).then(points).otherwise(0.0))
        .otherwise(_clamp(points * n, pl.col("max_points")))
    )


def _decayed_points(age_days: pl.Expr) -> pl.Expr:
    """Points of a decaying rule `age_days` after its state (macro rule_points_at)."""
    return _clamp(pl.col("points") * pl.col("weighted") * _decay(age_days, pl.col("h")), pl.col("max_points"))


def polars_reference(raw: dict[str, pl.LazyFrame], config: ScoringConfig, as_of: dt.date) -> pl.DataFrame:
    """`raw` holds the raw `leads` and `events` frames (load_raw); they are taken out of it (and
    freed) once staged."""
    as_of_day = (as_of - dt.date(1970, 1, 1)).days
    leads = _staged_leads(raw.pop("leads"), as_of_day).collect()
    events = _staged_events(raw.pop("events"), leads.lazy()).collect().lazy()
    rules = list(config.engagement_rules)
    parameters = _rule_parameters(rules)
    lead_models = _lead_models(config, leads.lazy())

    disqualified = events.filter(pl.col("event_type") == "disqualified").group_by("lead").agg(pl.col("day").min().alias("disqualified_on"))
    # Materialised once, like the staged tables: several parts of the plan below read them.
    states = _rule_states(_daily_counts(rules, events), parameters, as_of_day).collect().lazy()
    decaying_states = states.filter(pl.col("h").is_not_null())

    # Change days: creation, and every rule's days (earlier ones count on the creation day). Rules
    # without decay enter as deltas of their points and of the gates they hold.
    required_from = pl.col("min_count").fill_null(1)
    rule_changes = states.join(lead_models.select(*KEYS, "created_on"), on=KEYS).select(
        *KEYS,
        pl.max_horizontal("day", "created_on").alias("day"),
        pl.when(pl.col("h").is_null()).then(_step_points(pl.col("n")) - _step_points(pl.col("n") - pl.col("dn"))).otherwise(0.0).alias("points"),
        pl.when(pl.col("is_required")).then((pl.col("n") >= required_from).cast(pl.Int64) - (pl.col("n") - pl.col("dn") >= required_from).cast(pl.Int64))
        .otherwise(0).alias("holds"),
    )
    creations = lead_models.select(*KEYS, pl.col("created_on").alias("day"), pl.lit(0.0).alias("points"), pl.lit(0, dtype=pl.Int64).alias("holds"))
    days = (
        pl.concat([creations, rule_changes])
        .group_by(*KEYS, "day")
        .agg(pl.col("points", "holds").sum())
        .sort(*KEYS, "day")
        .with_columns(pl.col("points").cum_sum().over(KEYS).alias("step"), pl.col("holds").cum_sum().over(KEYS).alias("gates"))
        .collect()
        .lazy()
    )

    # Decaying rules on every change day: each from its state active that day (a range join; an
    # as-of join per rule and lead costs several times more here).
    decaying = (
        days.select(*KEYS, "day")
        .join(decaying_states.select(*KEYS, pl.col("day").alias("state_day"), "next_day", "weighted", "h", "points", "max_points"), on=KEYS)
        .filter((pl.col("state_day") <= pl.col("day")) & (pl.col("next_day").is_null() | (pl.col("next_day") > pl.col("day"))))
        .group_by(*KEYS, "day")
        .agg(_decayed_points(pl.col("day") - pl.col("state_day")).sum().alias("decaying"))
    )
    decaying_as_of = (
        decaying_states.filter(pl.col("next_day").is_null())
        .group_by(KEYS)
        .agg(_decayed_points(as_of_day - pl.col("day")).sum().alias("as_of_points"))
    )

    scored = (
        days.join(decaying, on=[*KEYS, "day"], how="left")
        .join(lead_models, on=KEYS)
        .join(disqualified, on="lead", how="left")
        .with_columns((pl.col("fit_score") + pl.col("step") + pl.col("decaying").fill_null(0.0)).alias("total"))
        .with_columns(
            (
                (pl.col("total") >= pl.col("mql_threshold")) & pl.col("fit_gates_hold") & (pl.col("gates") == pl.col("required_rules"))
                & (pl.col("day") >= pl.col("created_on")) & (pl.col("disqualified_on").is_null() | (pl.col("day") < pl.col("disqualified_on")))
            ).alias("qualifies")
        )
        .group_by(KEYS)
        .agg(pl.col("step").sort_by("day").last().alias("step"), pl.col("day").filter(pl.col("qualifies")).min().alias("first_mql_day"))
    )
    return (
        lead_models.join(scored, on=KEYS)
        .join(decaying_as_of, on=KEYS, how="left")
        .join(leads.lazy().select("lead", "lead_id"), on="lead")
        .select(
            "model_id", "lead_id",
            (pl.col("fit_score") + pl.col("step") + pl.col("as_of_points").fill_null(0.0)).alias("total_score"),
            pl.col("first_mql_day").cast(pl.Date).alias("first_mql_date"),
        )
        .collect()
    )
