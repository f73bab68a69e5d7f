"""Reference (a): one hand-written DuckDB query from the raw tables to every lead's current score
and first MQL date per scoring model. It is the speed limit the dbt build is compared with: no
intermediate tables, no tests, no incremental bookkeeping.

The query text is generated from the seed CSVs (rules become literal parameters and CASE branches),
so it implements the shipped semantics generically:

* fit: sum of the points of matching fit rules (between / in / contains_any as a whole word);
* engagement rule r of a lead on day S: counted occurrences (per-day cap) on days d <= S inside the
  window; count rule -> points once n >= min_count; else points * sum(n_d * 2^-(S-d)/h), clamped to
  +-max_points. The decayed sum is a running sum of n_d * 2^((d-a)/h) (a = the lead's first day of
  the rule) minus the same entry on the day it leaves the window, times 2^-(S-a)/h;
* a lead's score is evaluated on every day it can change (creation, each rule's event days and
  window expiries): between those days only decay acts, which only lowers the score (negative rules
  cannot decay), so the first MQL is on one of them;
* rules without decay contribute a step function: their changes are summed as deltas in one running
  sum per (model, lead); only decaying rules are evaluated on each change day (a range join);
* MQL: first such day on or after creation with total >= threshold and all gates holding, before
  the lead's first `disqualified` day.

Seed numbers are FLOAT (32-bit) in the dbt models, which makes the decay exponent single
precision; the same casts are used here, so both compute with identical constants.
"""

from __future__ import annotations

import datetime as dt

from bench.scoring_config import EngagementRule, FitRule, ScoringConfig
from lead_scoring.warehouse import sql_string

# Text attributes of a lead as staging normalises them (stg_raw__leads).
LEAD_TEXT_ATTRIBUTES = ("industry", "job_title", "country_code", "lead_source", "campaign")


def _lit(value: str | None) -> str:
    return "null" if value is None else sql_string(value)


def _num(value: float | None) -> str:
    # FLOAT as in int_engagement_rules / int_fit_rules (as_number -> float).
    return "null" if value is None else f"cast({float(value)!r} as float)"


def _words(attribute: str) -> str:
    """The whole-word form of a text attribute, as macros/scoring/fit_rule_matches.sql builds it."""
    return f"(' ' || replace(replace(replace(replace(lower({attribute}), '/', ' '), ',', ' '), '-', ' '), '&', ' ') || ' ')"


def _fit_condition(rule: FitRule) -> str:
    if rule.operator == "between":
        parts = ["company_size is not null"]
        if rule.min_value is not None:
            parts.append(f"company_size >= {_num(rule.min_value)}")
        if rule.max_value is not None:
            parts.append(f"company_size <= {_num(rule.max_value)}")
        return "(" + " and ".join(parts) + ")"
    if rule.operator == "in":
        return f"coalesce(lower({rule.attribute}) in ({', '.join(_lit(v) for v in rule.match_values)}), false)"
    words = _words(rule.attribute)
    return "coalesce(" + " or ".join(f"position({_lit(' ' + v + ' ')} in {words}) > 0" for v in rule.match_values) + ", false)"


def _fit_by_rule(rules: list[FitRule]) -> dict[str, tuple[str, float, bool]]:
    """One condition per rule_id (a rule matches when any of its rows does)."""
    out: dict[str, tuple[str, float, bool]] = {}
    for rule in rules:
        cond, points, required = out.get(rule.rule_id, ("false", rule.points, False))
        out[rule.rule_id] = (f"{cond} or {_fit_condition(rule)}", max(points, rule.points), required or rule.required)
    return out


def _property_column(key: str) -> str:
    return "p_" + "".join(ch if ch.isalnum() else "_" for ch in key)


def _event_condition(rule: EngagementRule) -> str:
    if rule.property_key is None:
        return "true"
    value = f"e.{_property_column(rule.property_key)}"
    target = _lit(rule.property_value)
    if rule.property_operator == "equals":
        return f"coalesce({value} = {target}, false)"
    if rule.property_operator == "contains":
        return f"coalesce(position({target} in {value}) > 0, false)"
    return f"coalesce(position({target} in {value}) = 1, false)"  # starts_with


def _int(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def reference_sql(config: ScoringConfig, as_of: dt.date, raw_schema: str = "raw") -> str:
    """The query: one row per (model_id, lead_id) created on or before `as_of`, with total_score
    (as of that day) and first_mql_date (null if never an MQL)."""
    rules = list(config.engagement_rules)
    as_of_sql = f"date '{as_of.isoformat()}'"
    keys = sorted({r.property_key for r in rules if r.property_key})
    types_for_key = {k: sorted({r.event_type for r in rules if r.property_key == k}) for k in keys}

    # Properties are parsed once per event and key, only for the event types that need the key.
    property_columns = "".join(
        f",\n            case when event_type in ({', '.join(_lit(t) for t in types_for_key[k])}) "
        f"then lower(json_extract_string(properties, {_lit('$.' + k)})) end as {_property_column(k)}"
        for k in keys
    )
    # Rule j matches on its event type; -1 marks disqualifications (for MQL eligibility).
    rule_types = ", ".join(f"({j}, {_lit(r.event_type)})" for j, r in enumerate(rules)) + ", (-1, 'disqualified')"
    rule_params = ", ".join(
        f"({j}, {_lit(r.model_id)}, {_int(r.max_per_day)}, {_int(r.window_days)}, {_num(r.half_life_days)}, "
        f"{_num(r.points)}, {_num(r.max_points)}, {_int(r.min_count)}, {str(r.required).lower()})"
        for j, r in enumerate(rules)
    )
    match_case = "case r.j " + " ".join(f"when {j} then {_event_condition(r)}" for j, r in enumerate(rules)) + " else true end"

    model_fit, model_fit_gates, thresholds = [], [], []
    for model in config.models:
        fit = _fit_by_rule(config.fit_rules_of(model.model_id))
        fit_sum = " + ".join(f"(case when {cond} then {_num(points)} else 0.0 end)" for cond, points, _ in fit.values()) or "0.0"
        fit_gate = " and ".join(f"({cond})" for cond, _, required in fit.values() if required) or "true"
        model_fit.append(f"when {_lit(model.model_id)} then {fit_sum}")
        model_fit_gates.append(f"when {_lit(model.model_id)} then {fit_gate}")
        required = sum(1 for r in rules if r.model_id == model.model_id and r.required)
        thresholds.append(f"({_lit(model.model_id)}, {_num(model.mql_threshold)}, {required})")

    return f"""
with

leads as (
    select lead_id, company_size, industry, job_title, country_code, lead_source, campaign, created_on
    from (
        select
            trim(lead_id) as lead_id,
            company_size,
            nullif(lower(trim(industry)), '') as industry,
            nullif(trim(job_title), '') as job_title,
            nullif(upper(trim(country)), '') as country_code,
            nullif(lower(trim(lead_source)), '') as lead_source,
            nullif(lower(trim(campaign)), '') as campaign,
            cast(created_at as date) as created_on,
            row_number() over (partition by trim(lead_id) order by coalesce(updated_at, created_at) desc, created_at desc) as version
        from {raw_schema}.leads
        where lead_id is not null
    )
    where version = 1 and created_on <= {as_of_sql}
),

models(model_id, mql_threshold, required_rules) as (values {", ".join(thresholds)}),

lead_models as (
    select
        models.model_id, leads.lead_id, leads.created_on, models.mql_threshold, models.required_rules,
        case models.model_id {" ".join(model_fit)} end as fit_score,
        case models.model_id {" ".join(model_fit_gates)} end as fit_gates_hold
    from leads cross join models
),

-- First delivery of each event_id (as staging keeps it), then only what scoring reads.
events as (
    select
        lead_id, event_type, day{property_columns}
    from (
        select
            trim(lead_id) as lead_id,
            replace(replace(lower(trim(event_type)), ' ', '_'), '-', '_') as event_type,
            cast(occurred_at as date) as day,
            properties,
            row_number() over (partition by trim(event_id) order by coalesce(received_at, occurred_at), occurred_at) as delivery
        from {raw_schema}.events
        where event_id is not null
    )
    where delivery = 1
),

rule_types(j, event_type) as (values {rule_types}),

rules(j, model_id, max_per_day, window_days, half_life_days, points, max_points, min_count, is_required) as (values {rule_params}),

daily as (
    select r.j, e.lead_id, e.day, count(*) as n
    from events as e
    inner join rule_types as r on r.event_type = e.event_type
    where {match_case}
    group by all
),

disqualified as (
    select lead_id, min(day) as disqualified_on from daily where j = -1 group by lead_id
),

counted as (
    select
        daily.j, daily.lead_id, daily.day, rules.window_days, rules.half_life_days,
        least(daily.n, coalesce(rules.max_per_day, daily.n)) as n,
        min(daily.day) over (partition by daily.j, daily.lead_id) as anchor
    from daily
    inner join rules on rules.j = daily.j
),

-- +n on the day, -n on the first day out of the window, with anchored decay weights.
deltas as (
    select
        j, lead_id, anchor,
        case when edge.direction = 1 then day else cast(day + window_days as date) end as day,
        edge.direction * n as n,
        edge.direction * n * (case when half_life_days is null then 1.0 else power(2.0, -1.0 * (-1 * (day - anchor)) / half_life_days) end) as w
    from counted
    cross join (values (1), (-1)) as edge(direction)
    where edge.direction = 1 or window_days is not null
),

-- Each rule's state on each day it changes (up to as_of): occurrences in the window and weight.
states as (
    select
        s.j, rules.model_id, s.lead_id, s.day, s.dn, rules.half_life_days as h, rules.points, rules.max_points,
        rules.min_count, rules.is_required, s.n,
        case when s.n = 0 then 0.0 else s.w * (case when rules.half_life_days is null then 1.0 else power(2.0, -1.0 * (s.day - s.anchor) / rules.half_life_days) end) end as weighted,
        s.next_day
    from (
        select j, lead_id, day, dn, anchor,
            sum(dn) over w as n, sum(dw) over w as w, lead(day) over w as next_day
        from (select j, lead_id, day, sum(n) as dn, sum(w) as dw, min(anchor) as anchor from deltas where day <= {as_of_sql} group by all)
        window w as (partition by j, lead_id order by day rows between unbounded preceding and current row)
    ) as s
    inner join rules on rules.j = s.j
),

-- Rules without decay: points after caps only change on their own days, so they enter as deltas.
step_points as (
    select *,
        case when min_count is not null then (case when n >= min_count then points else 0.0 end)
             when max_points is null then points * n
             else greatest(least(points * n, max_points), -1 * max_points) end
        - case when min_count is not null then (case when n - dn >= min_count then points else 0.0 end)
             when max_points is null then points * (n - dn)
             else greatest(least(points * (n - dn), max_points), -1 * max_points) end
            as points_delta
    from states
),

change_days as (
    select
        lead_models.model_id, lead_models.lead_id, greatest(step_points.day, lead_models.created_on) as day,
        sum(case when step_points.h is null then step_points.points_delta else 0.0 end) as points_delta,
        sum(case when step_points.is_required then
                (case when step_points.n >= coalesce(step_points.min_count, 1) then 1 else 0 end)
              - (case when step_points.n - step_points.dn >= coalesce(step_points.min_count, 1) then 1 else 0 end)
            else 0 end) as holds_delta
    from lead_models
    inner join step_points on step_points.model_id = lead_models.model_id and step_points.lead_id = lead_models.lead_id
    group by all
    union all
    select model_id, lead_id, created_on, 0.0, 0 from lead_models
),

running as (
    select model_id, lead_id, day,
        sum(points_delta) over w as step_score,
        sum(holds_delta) over w as gates_holding,
        lead(day) over w is null as is_last
    from (select model_id, lead_id, day, sum(points_delta) as points_delta, sum(holds_delta) as holds_delta from change_days group by all)
    window w as (partition by model_id, lead_id order by day rows between unbounded preceding and current row)
),

-- Decaying rules on every change day they are active: the same arithmetic as the dbt models.
decaying as (
    select running.model_id, running.lead_id, running.day,
        sum(greatest(least(states.points * states.weighted * power(2.0, -1.0 * (running.day - states.day) / states.h), coalesce(states.max_points, 1e308)), -1 * coalesce(states.max_points, 1e308))) as points
    from running
    inner join states
        on states.model_id = running.model_id and states.lead_id = running.lead_id
        and states.h is not null and states.day <= running.day and (states.next_day is null or states.next_day > running.day)
    group by all
),

decaying_as_of as (
    select model_id, lead_id,
        sum(greatest(least(points * weighted * power(2.0, -1.0 * ({as_of_sql} - day) / h), coalesce(max_points, 1e308)), -1 * coalesce(max_points, 1e308))) as points
    from states
    where h is not null and next_day is null
    group by all
),

scored as (
    select
        running.model_id, running.lead_id, running.day, running.is_last, running.step_score,
        lead_models.fit_score + running.step_score + coalesce(decaying.points, 0.0) as total_score,
        running.day >= lead_models.created_on
            and lead_models.fit_score + running.step_score + coalesce(decaying.points, 0.0) >= lead_models.mql_threshold
            and lead_models.fit_gates_hold and running.gates_holding = lead_models.required_rules
            and (disqualified.disqualified_on is null or running.day < disqualified.disqualified_on) as qualifies
    from running
    inner join lead_models on lead_models.model_id = running.model_id and lead_models.lead_id = running.lead_id
    left join decaying on decaying.model_id = running.model_id and decaying.lead_id = running.lead_id and decaying.day = running.day
    left join disqualified on disqualified.lead_id = running.lead_id
),

per_lead as (
    select model_id, lead_id,
        max(case when is_last then step_score end) as step_score,
        min(day) filter (where qualifies) as first_mql_date
    from scored
    group by all
)

select
    lead_models.model_id,
    lead_models.lead_id,
    lead_models.fit_score + per_lead.step_score + coalesce(decaying_as_of.points, 0.0) as total_score,
    per_lead.first_mql_date
from lead_models
inner join per_lead on per_lead.model_id = lead_models.model_id and per_lead.lead_id = lead_models.lead_id
left join decaying_as_of on decaying_as_of.model_id = lead_models.model_id and decaying_as_of.lead_id = lead_models.lead_id
"""
