"""Reference (b): the same scoring written the straightforward way in pandas (what a data team
would write in a notebook): read the raw tables into DataFrames, de-duplicate, match rules with
boolean masks, then groupby / merge / cumsum. No Python loops over rows; loops only over rules and
scoring models.

Output: one row per (model_id, lead_id) created on or before `as_of`, with total_score and
first_mql_date, like bench/reference_sql.py, computed the same way: per rule, its state on each
day it changes (cumsum per lead); rules without decay summed as deltas over a lead's change days;
decaying rules evaluated on every change day from their state active that day (merge + filter).
The arithmetic follows the dbt models, including their FLOAT (32-bit) seed numbers and decay
exponents, so the results agree to ~1e-12.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import duckdb
import numpy as np
import pandas as pd

from bench.raw_tables import read_raw
from bench.scoring_config import EngagementRule, FitRule, ScoringConfig

EPOCH = np.datetime64("1970-01-01", "D")


def _f32(value: float | None) -> float | None:
    """A seed number as the dbt models hold it (FLOAT), as a Python float."""
    return None if value is None else float(np.float32(value))


def _decay(age_days: np.ndarray, half_life: float) -> np.ndarray:
    """2^(-age / h) with the exponent in single precision, as DuckDB computes
    `power(2.0, -1.0 * age / half_life_days)` when half_life_days is FLOAT."""
    exponent = (-age_days).astype(np.float32) / np.float32(half_life)
    return np.power(2.0, exponent.astype(np.float64))


def _days(timestamps: pd.Series) -> np.ndarray:
    """UTC day numbers (days since 1970-01-01) of a tz-aware timestamp column."""
    values = timestamps.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
    return values.astype("datetime64[D]").astype(np.int64)


def _lower_text(series: pd.Series) -> pd.Series:
    return series.str.strip().str.lower().replace("", np.nan)


def _json_text(properties: pd.Series, key: str) -> pd.Series:
    """json_extract_string(properties, '$.key') for flat JSON objects, vectorised with a regex."""
    pattern = '"' + re.escape(key) + r'"\s*:\s*(?:"((?:[^"\\]|\\.)*)"|(true|false|-?[0-9][^,}\s]*))'
    parts = properties.str.extract(pattern)
    text = parts[0].where(parts[0].notna(), parts[1])
    escaped = text.str.contains("\\", regex=False, na=False)
    if escaped.any():  # rare: let the JSON parser undo escapes
        text[escaped] = text[escaped].map(lambda s: json.loads('"' + s + '"'))
    return text


def load_raw(con: duckdb.DuckDBPyConnection, raw_schema: str = "raw", batch: int = 0, batches: int = 1) -> dict[str, pd.DataFrame]:
    """The raw tables as DataFrames (bench.raw_tables.read_raw), through Arrow: DuckDB's .df()
    peaks at ~4x the frame's size, Arrow at ~2.5x."""
    return {name: table.to_pandas() for name, table in read_raw(con, raw_schema, batch, batches).items()}


def _staged_leads(leads: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    leads = leads[leads["lead_id"].notna()].copy()
    leads["lead_id"] = leads["lead_id"].str.strip()
    leads["updated"] = leads["updated_at"].fillna(leads["created_at"])
    leads = leads.sort_values(["lead_id", "updated", "created_at"], ascending=[True, False, False], kind="stable")
    leads = leads.drop_duplicates("lead_id", keep="first")
    out = pd.DataFrame({
        "lead_id": leads["lead_id"].to_numpy(),
        "company_size": leads["company_size"].to_numpy(dtype="float64", na_value=np.nan),
        "industry": _lower_text(leads["industry"]).to_numpy(),
        "job_title": leads["job_title"].str.strip().replace("", np.nan).to_numpy(),
        "country_code": leads["country"].str.strip().str.upper().replace("", np.nan).to_numpy(),
        "lead_source": _lower_text(leads["lead_source"]).to_numpy(),
        "campaign": _lower_text(leads["campaign"]).to_numpy(),
        "created_on": _days(leads["created_at"]),
    })
    as_of_day = (np.datetime64(as_of.isoformat(), "D") - EPOCH).astype(np.int64)
    return out[out["created_on"] <= as_of_day].reset_index(drop=True)


def _fit_matches(rule: FitRule, leads: pd.DataFrame) -> np.ndarray:
    if rule.operator == "between":
        size = leads["company_size"]
        match = size.notna()
        if rule.min_value is not None:
            match &= size >= _f32(rule.min_value)
        if rule.max_value is not None:
            match &= size <= _f32(rule.max_value)
        return match.to_numpy()
    text = leads[rule.attribute].str.lower()
    if rule.operator == "in":
        return text.isin(rule.match_values).to_numpy()
    # contains_any: whole words or phrases, as macros/scoring/fit_rule_matches.sql
    words = " " + text.str.replace(r"[/,\-&]", " ", regex=True) + " "
    match = np.zeros(len(leads), dtype=bool)
    for value in rule.match_values:
        match |= words.str.contains(" " + value + " ", regex=False, na=False).to_numpy()
    return match


def _fit(config: ScoringConfig, model_id: str, leads: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(fit score, required fit rules all match) per lead for one model."""
    by_rule: dict[str, np.ndarray] = {}
    points: dict[str, float] = {}
    required: dict[str, bool] = {}
    for rule in config.fit_rules_of(model_id):
        by_rule[rule.rule_id] = by_rule.get(rule.rule_id, np.zeros(len(leads), dtype=bool)) | _fit_matches(rule, leads)
        points[rule.rule_id] = max(points.get(rule.rule_id, -np.inf), _f32(rule.points))
        required[rule.rule_id] = required.get(rule.rule_id, False) or rule.required
    score = np.zeros(len(leads))
    gates = np.ones(len(leads), dtype=bool)
    for rule_id, match in by_rule.items():
        score += np.where(match, points[rule_id], 0.0)
        if required[rule_id]:
            gates &= match
    return score, gates


def _staged_events(events: pd.DataFrame, lead_index: pd.Index) -> pd.DataFrame:
    """First delivery per event_id; lead_id as the row number in the leads frame (-1 unknown)."""
    events = events[events["event_id"].notna()]
    keys = pd.DataFrame({
        "event_id": events["event_id"].str.strip(),
        "received": events["received_at"].fillna(events["occurred_at"]),
        "occurred": events["occurred_at"],
    })
    first = keys.sort_values(["event_id", "received", "occurred"], kind="stable").drop_duplicates("event_id").index
    del keys
    events = events.loc[first]
    return pd.DataFrame({
        "lead": lead_index.get_indexer(events["lead_id"].str.strip()),
        "event_type": events["event_type"].str.strip().str.lower().str.replace(" ", "_").str.replace("-", "_").to_numpy(),
        "day": _days(events["occurred_at"]),
        "properties": events["properties"].to_numpy(),
    })


def _rule_matches(rule: EngagementRule, events: pd.DataFrame, properties: dict[str, pd.Series]) -> np.ndarray:
    match = (events["event_type"] == rule.event_type).to_numpy()
    if rule.property_key is None:
        return match
    value = properties[rule.property_key]
    if rule.property_operator == "equals":
        cond = value == rule.property_value
    elif rule.property_operator == "contains":
        cond = value.str.contains(rule.property_value, regex=False)
    else:
        cond = value.str.startswith(rule.property_value)
    return match & cond.fillna(False).to_numpy(dtype=bool)


def _rule_states(rule: EngagementRule, matched: pd.DataFrame, as_of_day: int) -> pd.DataFrame:
    """The rule's state per lead on each day it changes (up to as_of): occurrences in the window n,
    its change dn that day, and the decayed weight on that day (as int_lead_engagement_rule_states)."""
    daily = matched.groupby(["lead", "day"], sort=False).size().rename("n").reset_index()
    if rule.max_per_day is not None:
        daily["n"] = daily["n"].clip(upper=rule.max_per_day)
    daily["anchor"] = daily.groupby("lead")["day"].transform("min")
    growth = 1.0 if rule.half_life_days is None else _decay(-(daily["day"] - daily["anchor"]).to_numpy(), rule.half_life_days)
    daily["w"] = daily["n"] * growth
    parts = [daily]
    if rule.window_days is not None:  # -n on the first day out of the window
        parts.append(daily.assign(day=daily["day"] + rule.window_days, n=-daily["n"], w=-daily["w"]))
    states = pd.concat(parts, ignore_index=True)
    states = states[states["day"] <= as_of_day]
    states = states.groupby(["lead", "day"], as_index=False).agg(dn=("n", "sum"), dw=("w", "sum"), anchor=("anchor", "min"))
    by_lead = states.groupby("lead", sort=False)
    states["n"] = by_lead["dn"].cumsum()
    states["w"] = by_lead["dw"].cumsum()
    states["next_day"] = by_lead["day"].shift(-1)
    if rule.half_life_days is None:
        states["weighted"] = states["w"] * 1.0
    else:
        states["weighted"] = states["w"] * _decay((states["day"] - states["anchor"]).to_numpy(), rule.half_life_days)
    states.loc[states["n"] == 0, "weighted"] = 0.0
    return states


def _step_points(rule: EngagementRule, n: np.ndarray) -> np.ndarray:
    """Points of a rule without decay with n occurrences in its window (constant between its days)."""
    points = _f32(rule.points)
    if rule.min_count is not None:
        return np.where(n >= rule.min_count, points, 0.0)
    value = points * n * 1.0
    if rule.max_points is not None:
        value = np.clip(value, -_f32(rule.max_points), _f32(rule.max_points))
    return value


def _decayed_points(rule: EngagementRule, weighted: np.ndarray, age_days: np.ndarray) -> np.ndarray:
    """Points of a decaying rule `age_days` after its state (macro rule_points_at)."""
    value = _f32(rule.points) * weighted * _decay(age_days, rule.half_life_days)
    if rule.max_points is not None:
        value = np.clip(value, -_f32(rule.max_points), _f32(rule.max_points))
    return value


def pandas_reference(raw: dict[str, pd.DataFrame], config: ScoringConfig, as_of: dt.date) -> pd.DataFrame:
    """`raw` holds the raw `leads` and `events` frames; they are taken out of it (and freed) as
    soon as they are staged."""
    as_of_day = int((np.datetime64(as_of.isoformat(), "D") - EPOCH).astype(np.int64))
    leads = _staged_leads(raw.pop("leads"), as_of)
    lead_index = pd.Index(leads["lead_id"])
    events = _staged_events(raw.pop("events"), lead_index)
    events = events[events["lead"] >= 0]
    created_on = leads["created_on"].to_numpy()

    disqualified = events[events["event_type"] == "disqualified"].groupby("lead")["day"].min()
    disqualified_on = np.full(len(leads), np.iinfo(np.int64).max)
    disqualified_on[disqualified.index.to_numpy()] = disqualified.to_numpy()

    # Each property key is extracted once, only from the event types whose rules test it.
    rules = list(config.engagement_rules)
    properties: dict[str, pd.Series] = {}
    for key in sorted({r.property_key for r in rules if r.property_key}):
        relevant = events["event_type"].isin({r.event_type for r in rules if r.property_key == key})
        values = pd.Series(np.nan, index=events.index, dtype=object)
        values[relevant] = _json_text(events.loc[relevant, "properties"], key).str.lower()
        properties[key] = values

    results = []
    for model in config.models:
        fit, fit_gates = _fit(config, model.model_id, leads)
        own = config.engagement_rules_of(model.model_id)
        required = sum(r.required for r in own)
        states = {id(r): _rule_states(r, events.loc[_rule_matches(r, events, properties), ["lead", "day"]], as_of_day) for r in own}

        # Change days: creation, and every rule's days (earlier ones count on the creation day).
        # Rules without decay enter as deltas of their points and of the gates they hold.
        changes = [pd.DataFrame({"lead": np.arange(len(leads)), "day": created_on, "points": 0.0, "holds": 0})]
        for rule in own:
            st = states[id(rule)]
            n, before = st["n"].to_numpy(), (st["n"] - st["dn"]).to_numpy()
            delta = 0.0 if rule.half_life_days is not None else _step_points(rule, n) - _step_points(rule, before)
            holds = 0 if not rule.required else (n >= (rule.min_count or 1)).astype(int) - (before >= (rule.min_count or 1)).astype(int)
            lead = st["lead"].to_numpy()
            changes.append(pd.DataFrame({"lead": lead, "day": np.maximum(st["day"].to_numpy(), created_on[lead]), "points": delta, "holds": holds}))
        days = pd.concat(changes, ignore_index=True).groupby(["lead", "day"], as_index=False).sum()
        by_lead = days.groupby("lead", sort=False)
        days["step"] = by_lead["points"].cumsum()
        days["gates"] = by_lead["holds"].cumsum()
        decaying = np.zeros(len(days))

        # Decaying rules: their points on every change day, from their state active that day.
        lead_last = days.groupby("lead")["step"].last()
        as_of_points = np.zeros(len(leads))
        for rule in own:
            if rule.half_life_days is None:
                continue
            st = states[id(rule)]
            pairs = days[["lead", "day"]].reset_index().merge(st[["lead", "day", "next_day", "weighted"]], on="lead", suffixes=("", "_state"))
            pairs = pairs[(pairs["day_state"] <= pairs["day"]) & (pairs["next_day"].isna() | (pairs["next_day"] > pairs["day"]))]
            points = _decayed_points(rule, pairs["weighted"].to_numpy(), (pairs["day"] - pairs["day_state"]).to_numpy())
            np.add.at(decaying, pairs["index"].to_numpy(), points)
            last = st[st["next_day"].isna()]
            np.add.at(as_of_points, last["lead"].to_numpy(), _decayed_points(rule, last["weighted"].to_numpy(), (as_of_day - last["day"]).to_numpy()))

        lead = days["lead"].to_numpy()
        day = days["day"].to_numpy()
        total = fit[lead] + days["step"].to_numpy() + decaying
        qualified = (
            (total >= _f32(model.mql_threshold)) & fit_gates[lead] & (days["gates"].to_numpy() == required)
            & (day >= created_on[lead]) & (day < disqualified_on[lead])
        )
        first_mql = pd.Series(day[qualified]).groupby(lead[qualified]).min()
        mql = np.full(len(leads), np.nan)
        mql[first_mql.index.to_numpy()] = first_mql.to_numpy()
        results.append(pd.DataFrame({
            "model_id": model.model_id,
            "lead_id": leads["lead_id"].to_numpy(),
            "total_score": fit + lead_last.reindex(np.arange(len(leads))).to_numpy() + as_of_points,
            "first_mql_date": pd.to_datetime(mql, unit="D"),  # NaT: never an MQL
        }))
    return pd.concat(results, ignore_index=True)
