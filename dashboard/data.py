"""Data access for the dashboard: the published BI file, read with short-lived read-only connections.

The pipeline publishes `bi.duckdb` by building a new file aside and renaming it over the old one
(lead_scoring/bi_publication.py). A connection that stays open keeps reading the old copy, so
every query here opens the file read-only, fetches everything and closes it again. Callers cache
results keyed by the publication (published_at + run_id), which changes with every new file.

Every function takes a `BI` (where to read, and how) and the sidebar `Filters`, and returns a
pandas DataFrame. Every figure is defined once, in the dbt models the BI file copies: here the
marts' rows are only selected, filtered to the sidebar's range, channels and model, and summed
(or their lead-level rows counted). Which lead converted, which stages and bands exist and in
which order, the windows and the benchmark ranges are the marts' and seeds' columns, never
decided here. MQL figures are the MQL measures of marts.mart_mql_measures (seed mql_measures),
with its labels: for the range and channels chosen, the pages count the lead-level columns that
mart counts (fct_lead_funnel) or the episodes of fct_lead_mql_episodes. The BI file is published
by the same version of the project, so every mart the pages read is in it.

One file besides the BI file: the delivery step of the activations runs after the publication and
leaves its log beside it (delivery_log.parquet, lead_scoring/activation_log_export.py); its results
are cached per publication and per version of that file (its modification time and size).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from lead_scoring import activation_log_export, bi_publication
from lead_scoring.settings import warehouse_path

EXPLORER_LIMIT = 1000
EXPLORER_EVENTS_LIMIT = 500


def bi_path() -> Path:
    """Where the pipeline publishes the BI file for the configured warehouse (lead_scoring.bi_publication)."""
    return bi_publication.bi_path(warehouse_path())


def read_sql(path: str, version: str, sql: str, params: tuple = ()) -> pd.DataFrame:
    """One query on its own read-only connection, fetched completely; `version` only keys caches."""
    con = duckdb.connect(path, read_only=True)
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def publication(path: Path) -> dict | None:
    """The file's provenance row (main.bi_publication), or None when there is no BI file yet."""
    meta = bi_publication.read_publication(path)
    if meta is None:
        return None
    meta["version"] = f"{meta['published_at'].isoformat()}|{meta['run_id']}"
    return meta


@dataclass(frozen=True)
class BI:
    """Where to read and how: the app passes a cached `fetch`, tests the plain `read_sql`."""

    path: str
    version: str = ""
    fetch: Callable[..., pd.DataFrame] = field(default=read_sql, compare=False)

    def df(self, sql: str, *params) -> pd.DataFrame:
        return self.fetch(self.path, self.version, sql, tuple(params))


@dataclass(frozen=True)
class Filters:
    """The sidebar filters. An empty `channels` means every channel."""

    model_id: str
    start: dt.date
    end: dt.date
    channels: tuple[str, ...] = ()

    @property
    def first_month(self) -> dt.date:
        return self.start.replace(day=1)


# --- young or incomplete data -------------------------------------------------------------------

# What a figure can need that a new team's export may not have yet (columns of mart_data_coverage).
HISTORY_NEEDS = ("feedback", "maturity", "mqls", "qualification_updates", "opportunities")


def coverage(bi: BI, model_id: str) -> dict | None:
    """How much history and which facts the published marts rest on (mart_data_coverage), for one
    scoring model; None when the model has no row."""
    found = bi.df("select * from marts.mart_data_coverage where model_id = ?", model_id)
    return found.iloc[0].to_dict() if len(found) else None


def _day(value) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def history_note(cov: dict | None, need: str, figures: str, window: int = 90) -> str | None:
    """A sentence when `figures` (plural, as the page names them) are empty or provisional because
    the data lacks what they need; None when it has it (or the BI file cannot tell).

    need: feedback (a lead old enough for the feedback loop), maturity (a cohort mature for
    `window` days), mqls, qualification_updates or opportunities.
    """
    if need not in HISTORY_NEEDS:
        raise ValueError(f"unknown need {need!r}: one of {HISTORY_NEEDS}")
    if cov is None or not cov["leads"]:
        return None
    if need == "feedback" and not cov["feedback_scope_leads"]:
        return (f"{figures} need leads at least {cov['feedback_min_lead_age_days']} days old: the oldest is "
                f"{cov['oldest_lead_age_days']} days old (created {_day(cov['first_lead_created_at'])}), "
                f"so they fill in from {_day(cov['feedback_scope_starts_on'])}.")
    if need == "maturity":
        mature_on = pd.Timestamp(cov[f"first_cohort_mature_{window}d_on"])
        if mature_on > pd.Timestamp(cov["as_of_date"]):
            return (f"{figures} need a cohort whose month ended at least {window} days before the scoring day: "
                    f"the oldest, {pd.Timestamp(cov['first_cohort_month']):%B %Y}, is mature for {window} days "
                    f"on {_day(mature_on)}.")
    if need == "mqls" and not cov["mql_leads"]:
        return f"{figures} need MQLs: no lead has become an MQL under this scoring model yet."
    if need == "qualification_updates" and not cov["qualification_updates"]:
        return (f"{figures} need qualification updates from sales (budget confirmed, decision maker): "
                "the data has none yet.")
    if need == "opportunities" and not cov["opportunities"]:
        return f"{figures} need opportunities: the data has none yet."
    return None


# --- filter fragments -------------------------------------------------------------------------

def _slice(f: Filters) -> tuple[str, list]:
    """The funnel marts hold one row per channel under slice_name 'channel'; counts add up."""
    if f.channels:
        return f"slice_name = 'channel' and slice_value in ({', '.join('?' * len(f.channels))})", list(f.channels)
    return "slice_name = 'all'", []


def _channel(f: Filters, column: str = "lead_source") -> tuple[str, list]:
    if f.channels:
        return f"coalesce({column}, 'unknown') in ({', '.join('?' * len(f.channels))})", list(f.channels)
    return "true", []


# --- sidebar options --------------------------------------------------------------------------

def models(bi: BI) -> pd.DataFrame:
    return bi.df("""
        select model_id, bool_or(is_primary_model) as is_primary_model, any_value(mql_threshold) as mql_threshold
        from marts.mart_lead_scores_current
        group by model_id
        order by is_primary_model desc, model_id
    """)


def channels(bi: BI) -> list[str]:
    return bi.df("select distinct coalesce(lead_source, 'unknown') as channel from marts.dim_leads order by 1")["channel"].tolist()


def date_bounds(bi: BI) -> tuple[dt.date, dt.date]:
    """First creation day and the scoring day (as_of_date) of the published data."""
    row = bi.df("select min(created_at)::date as first_day, max(as_of_date) as as_of from marts.dim_leads").iloc[0]
    return pd.Timestamp(row["first_day"]).date(), pd.Timestamp(row["as_of"]).date()


# --- MQL measures -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Measure:
    label: str
    definition: str


def mql_measure_words(bi: BI) -> dict[str, Measure]:
    """{measure: (label, definition)} of the MQL measures as mart_mql_measures has them."""
    rows = bi.df("select distinct measure, label, definition from marts.mart_mql_measures").itertuples()
    return {r.measure: Measure(r.label, r.definition) for r in rows}


def mql_measures(bi: BI, model_id: str, slice_name: str = "all", slice_value: str = "all") -> pd.DataFrame:
    """The MQL measures of one model over the whole history (mart_mql_measures): measure, label,
    unit, definition, value, in display order."""
    return bi.df("""
        select measure, label, unit, definition, value
        from marts.mart_mql_measures
        where model_id = ? and slice_name = ? and slice_value = ?
        order by measure_order
    """, model_id, slice_name, slice_value)


def mql_lead_measures(bi: BI, f: Filters, all_models: bool = False) -> pd.DataFrame:
    """Per scoring model, over the leads created in the range (and channels): leads, mql_leads,
    mql_lead_share and median_days_to_mql (rounded to one decimal, as the mart rounds it), MQLs up
    to the end of the range. fct_lead_funnel's first_mql_at and days_to_mql say which lead became
    an MQL and when; with the whole range these are mart_mql_measures' figures."""
    where, params = _channel(f)
    model = "true" if all_models else "model_id = ?"
    reached = "first_mql_at::date <= ?"
    return bi.df(f"""
        select model_id, bool_or(is_primary_model) as is_primary_model,
               count(*) as leads,
               count(*) filter (where {reached}) as mql_leads,
               count(*) filter (where {reached}) / count(*) as mql_lead_share,
               round(median(days_to_mql) filter (where {reached}), 1) as median_days_to_mql
        from marts.fct_lead_funnel
        where {model} and created_at::date between ? and ? and {where}
        group by model_id
        order by is_primary_model desc, model_id
    """, f.end, f.end, f.end, *([] if all_models else [f.model_id]), f.start, f.end, *params)


# --- funnel -----------------------------------------------------------------------------------

def conversion(bi: BI, f: Filters, cohort_basis: str = "created_month", funnel_kind: str = "in_order") -> pd.DataFrame:
    """Cohort funnel per cohort month and stage (mart_funnel_conversion): cohort, reached to date
    and within each window the mart has (reached_within_<n>d, is_immature_<n>d), summed over the
    chosen channels.

    cohort_basis created_month follows the leads created in a month from `lead`, mql_month the
    leads whose first MQL was in a month from `mql`.
    """
    where, params = _slice(f)
    columns = ", ".join(f"sum(reached_within_{w}d)::bigint as reached_within_{w}d, bool_or(is_immature_{w}d) as is_immature_{w}d"
                        for w in windows(bi))
    return bi.df(f"""
        select cohort_month, stage, stage_order,
               sum(cohort_leads)::bigint as cohort_leads, sum(reached_leads)::bigint as reached_leads, {columns}
        from marts.mart_funnel_conversion
        where model_id = ? and cohort_basis = ? and funnel_kind = ? and cohort_month between ? and ? and {where}
        group by cohort_month, stage, stage_order
        order by cohort_month, stage_order
    """, f.model_id, cohort_basis, funnel_kind, f.first_month, f.end, *params)


def windows(bi: BI) -> list[int]:
    """The conversion windows in days of mart_funnel_conversion (its reached_within_<n>d columns)."""
    found = bi.df("""
        select column_name from information_schema.columns
        where table_schema = 'marts' and table_name = 'mart_funnel_conversion' and column_name like 'reached_within_%'
    """)
    return sorted(int(c.removeprefix("reached_within_").removesuffix("d")) for c in found["column_name"])


def flow(bi: BI, f: Filters) -> pd.DataFrame:
    """Entries into each main-path stage per calendar month (flow: mixes cohorts, not a conversion rate)."""
    where, params = _slice(f)
    return bi.df(f"""
        select flow_month, stage, stage_order, sum(entries)::bigint as entries, sum(first_entries)::bigint as first_entries
        from marts.mart_funnel_flow
        where model_id = ? and is_main_path and flow_month between ? and ? and {where}
        group by flow_month, stage, stage_order
        order by flow_month, stage_order
    """, f.model_id, f.first_month, f.end, *params)


# --- conversion trends against the benchmarks ---------------------------------------------------

def benchmarks(bi: BI) -> dict[str, tuple[float, float]]:
    """Typical range per metric, from the seed funnel_benchmarks the pipeline published with the marts."""
    found = bi.df("select metric, typical_min, typical_max from seeds.funnel_benchmarks")
    return {r.metric: (r.typical_min, r.typical_max) for r in found.itertuples()}


def conversion_trends(bi: BI, f: Filters, window: int = 90) -> pd.DataFrame:
    """The benchmarked rates per cohort month (lead→MQL per creation month, in order; MQL→SQL per MQL
    month, any stage), from the cells of mart_funnel_conversion that mart_funnel_health names for
    them: within `window` days, empty while the month is immature; the to-date rate beside it."""
    cells = bi.df("select distinct metric, cohort_basis, funnel_kind, stage from marts.mart_funnel_health where stage is not null")
    rows = []
    for cell in cells.itertuples():
        table = conversion(bi, f, cell.cohort_basis, cell.funnel_kind)
        for r in table[table["stage"] == cell.stage].itertuples():
            immature = bool(getattr(r, f"is_immature_{window}d"))
            reached = getattr(r, f"reached_within_{window}d")
            rows.append({
                "metric": cell.metric, "month": pd.Timestamp(r.cohort_month), "base_leads": r.cohort_leads,
                "reached_within_window": reached, "rate": None if immature else reached / r.cohort_leads,
                "rate_to_date": r.reached_leads / r.cohort_leads, "is_immature": immature,
            })
    return pd.DataFrame(rows, columns=["metric", "month", "base_leads", "reached_within_window", "rate", "rate_to_date", "is_immature"])


# --- velocity ---------------------------------------------------------------------------------

def _velocity_steps(f: Filters) -> tuple[str, list]:
    """The lead-level steps of fct_lead_funnel_steps (the rows mart_funnel_velocity aggregates)
    of the leads created in the range and channels."""
    where, params = _channel(f)
    return f"""
        with steps as (
            select step_order, step, lead_id, days
            from marts.fct_lead_funnel_steps
            where model_id = ? and created_at::date between ? and ? and {where}
        )""", [f.model_id, f.start, f.end, *params]


def velocity(bi: BI, f: Filters) -> pd.DataFrame:
    """Per step: leads, mean and continuous percentiles P10 ... P90 of the days (means hide the long tail)."""
    steps, params = _velocity_steps(f)
    quantiles = ", ".join(f"quantile_cont(days, {q / 100}) as {name}_days"
                          for q, name in ((10, "p10"), (25, "p25"), (50, "median"), (75, "p75"), (90, "p90")))
    return bi.df(f"""{steps}
        select step_order, step, count(*) as leads, avg(days) as mean_days, {quantiles}
        from steps
        group by step_order, step
        order by step_order
    """, *params)


def velocity_histogram(bi: BI, f: Filters, step: str = "lead_to_mql") -> pd.DataFrame:
    """Leads per whole day of one step (day 0 = less than 24 hours)."""
    steps, params = _velocity_steps(f)
    return bi.df(f"""{steps}
        select floor(days)::integer as day, count(*) as leads
        from steps
        where step = ?
        group by day
        order by day
    """, *params, step)


def speed_to_lead(bi: BI, f: Filters) -> pd.DataFrame:
    """MQL entries in the range: hours to the first sales attempt (P50/P95) and the SLA outcome
    (sla_status of fct_mql_speed_to_lead)."""
    where, params = _channel(f)
    return bi.df(f"""
        select count(*) as mql_entries,
               count(first_attempt_at) as attempted,
               quantile_cont(hours_to_first_attempt, 0.5) as p50_hours,
               quantile_cont(hours_to_first_attempt, 0.95) as p95_hours,
               count(*) filter (where sla_status = 'met') as met,
               count(*) filter (where sla_status = 'breached') as breached,
               count(*) filter (where sla_status = 'pending') as pending,
               any_value(sla_hours) as sla_hours
        from marts.fct_mql_speed_to_lead
        where model_id = ? and mql_at::date between ? and ? and {where}
    """, f.model_id, f.start, f.end, *params)


# --- MQL volume -------------------------------------------------------------------------------

def mql_volume(bi: BI, f: Filters) -> pd.DataFrame:
    """MQL episodes per day and channel (a re-MQL after recycling is an episode of its own)."""
    where, params = _channel(f, "d.lead_source")
    return bi.df(f"""
        select e.mql_date, coalesce(d.lead_source, 'unknown') as channel,
               count(*) as mql_episodes, count(*) filter (where e.mql_episode = 1) as first_time_mqls
        from marts.fct_lead_mql_episodes as e
        join marts.dim_leads as d on d.lead_id = e.lead_id
        where e.model_id = ? and e.mql_date between ? and ? and {where}
        group by all
        order by e.mql_date, channel
    """, f.model_id, f.start, f.end, *params)


# --- scores -----------------------------------------------------------------------------------

def score_histogram(bi: BI, f: Filters, bin_points: int = 5) -> pd.DataFrame:
    """Leads per score bin and band: each lead's score as of the end of the range, for leads created in the range.

    When the range reaches the scoring day this is today's score (decayed to today); for an
    earlier end it is the score at the lead's last change on or before that day.
    """
    where, params = _channel(f, "d.lead_source")
    _, as_of = date_bounds(bi)
    if f.end >= as_of:
        scores = f"""
            select s.total_score, s.score_band
            from marts.mart_lead_scores_current as s
            join marts.dim_leads as d on d.lead_id = s.lead_id
            where s.model_id = ? and d.created_at::date between ? and ? and {where}"""
        params = [f.model_id, f.start, f.end, *params]
    else:
        scores = f"""
            select s.total_score, s.score_band
            from marts.fct_lead_scores as s
            join marts.dim_leads as d on d.lead_id = s.lead_id
            where s.model_id = ? and s.score_date <= ? and (s.next_score_date is null or s.next_score_date > ?)
              and d.created_at::date between ? and ? and {where}"""
        params = [f.model_id, f.end, f.end, f.start, f.end, *params]
    return bi.df(f"""
        select floor(total_score / {bin_points}) * {bin_points} as score_bin, score_band, count(*) as leads
        from ({scores})
        group by score_bin, score_band
        order by score_bin, score_band
    """, *params)


def score_bands(bi: BI) -> list[str]:
    """The score bands, lowest to highest (marts.dim_score_bands)."""
    return bi.df("select score_band from marts.dim_score_bands order by band_order")["score_band"].tolist()


def band_counts(histogram: pd.DataFrame, bands: list[str]) -> pd.DataFrame:
    """Leads and share per band, in the order of `bands` (score_bands)."""
    counts = histogram.groupby("score_band")["leads"].sum().reindex(bands, fill_value=0)
    table = counts.rename_axis("score_band").reset_index(name="leads")
    table["share"] = table["leads"] / max(int(table["leads"].sum()), 1)
    return table


def model_comparison(bi: BI, f: Filters) -> pd.DataFrame:
    """Every scoring model side by side on the leads created in the range (and channels): the MQL
    lead measures by the end of the range (mql_lead_measures), today's hot leads; precision and
    recall at each model's threshold come from the threshold sweep (all channels, leads old enough
    for the feedback loop)."""
    table = mql_lead_measures(bi, f, all_models=True)
    where, params = _channel(f, "d.lead_source")
    settings = bi.df(f"""
        select s.model_id, any_value(s.mql_threshold) as mql_threshold, count(*) filter (where s.score_band = 'hot') as hot_today
        from marts.mart_lead_scores_current as s
        join marts.dim_leads as d on d.lead_id = s.lead_id
        where d.created_at::date between ? and ? and {where}
        group by s.model_id
    """, f.start, f.end, *params)
    table = table.merge(settings, on="model_id", how="left")[
        ["model_id", "is_primary_model", "mql_threshold", "leads", "mql_leads", "mql_lead_share", "median_days_to_mql", "hot_today"]]
    at_threshold = pd.concat(
        [threshold_sweep(bi, Filters(m, f.start, f.end, f.channels)).query("is_current_threshold").assign(model_id=m)
         for m in table["model_id"]], ignore_index=True)
    if at_threshold.empty:
        return table.assign(mql_precision=None, mql_recall=None)
    return table.merge(at_threshold[["model_id", "mql_precision", "mql_recall"]], on="model_id", how="left")


def threshold_sweep(bi: BI, f: Filters) -> pd.DataFrame:
    """MQL volume, precision and recall at thresholds around the model's own (the feedback mart)."""
    return bi.df("""
        select offset_points, threshold, is_current_threshold, scope_leads, mql_leads, mql_share,
               mql_leads_with_opportunity, mql_precision, opportunities, mql_recall
        from marts.mart_feedback_threshold_sweep
        where model_id = ?
        order by threshold
    """, f.model_id)


def score_band_feedback(bi: BI, f: Filters) -> pd.DataFrame:
    return bi.df("""
        select score_band, leads, sql_rate, opportunity_rate, won_rate, opportunity_lift, is_below_lower_band
        from marts.mart_feedback_score_bands
        where model_id = ?
        order by band_order
    """, f.model_id)


# --- lead explorer ----------------------------------------------------------------------------

def lead_options(bi: BI, f: Filters) -> pd.DataFrame:
    """Leads created in the range (and channels), highest score first, with their current stage under the model."""
    where, params = _channel(f, "d.lead_source")
    return bi.df(f"""
        select s.lead_id, coalesce(d.lead_source, 'unknown') as channel, s.total_score, s.score_band,
               coalesce(t.to_stage, d.current_stage) as current_stage
        from marts.mart_lead_scores_current as s
        join marts.dim_leads as d on d.lead_id = s.lead_id
        left join marts.fct_lead_stage_transitions as t
            on t.model_id = s.model_id and t.lead_id = s.lead_id and t.is_current_stage
        where s.model_id = ? and d.created_at::date between ? and ? and {where}
        order by s.total_score desc, s.lead_id
        limit {EXPLORER_LIMIT}
    """, f.model_id, f.start, f.end, *params)


def lead_profile(bi: BI, model_id: str, lead_id: str) -> dict:
    """Attributes and today's score with its MQL status; no personal data (names and email stay out
    of the dashboard)."""
    found = bi.df("""
        select d.lead_id, d.created_at, d.company_name, d.company_size, d.industry, d.job_title, d.country_code,
               d.lead_source, d.campaign, s.* exclude (model_id, lead_id)
        from marts.dim_leads as d
        join marts.mart_lead_scores_current as s on s.lead_id = d.lead_id and s.model_id = ?
        where d.lead_id = ?
    """, model_id, lead_id)
    return found.iloc[0].to_dict() if len(found) else {}


def score_explanation(bi: BI, model_id: str, lead_id: str) -> pd.DataFrame:
    """The rules behind the lead's score today: contributing rules, every gate (holding or not),
    count rules short of min_count and the remainder of decayed rules; the points add up to the total."""
    return bi.df("""
        select * exclude (model_id, lead_id)
        from marts.fct_lead_score_explanations
        where model_id = ? and lead_id = ?
        order by case rule_kind when 'fit' then 1 when 'engagement' then 2 else 3 end, points desc, rule_id
    """, model_id, lead_id)


def mql_status(profile: dict, rules: pd.DataFrame) -> tuple[bool, str]:
    """Whether the lead is an MQL today and, in words (Markdown), why or why not: the points it
    still needs to the threshold and each gate that does not hold, with what the lead has against
    what the gate needs, one line per gate."""
    threshold = float(profile["mql_threshold"])
    mql_score = float(profile["mql_score"])
    missing = float(profile["points_to_mql_threshold"])
    score_part = (f"MQL score {mql_score:.1f}, at or above the threshold {threshold:g}" if missing <= 0
                  else f"needs {missing:.1f} more points (MQL score {mql_score:.1f}, threshold {threshold:g})")
    if bool(profile.get("is_mql_qualified")):
        return True, f"**MQL-qualified today**: {score_part}, and every gate holds."
    lines = [f"**Not an MQL today**: {score_part}."]
    gates = rules[rules["is_blocking_mql"].fillna(False).astype(bool)]
    if len(gates):
        lines.append(f"Blocked by {len(gates)} gate{'s' if len(gates) > 1 else ''}, whatever the score:")
        lines += [f"- **{g.rule_id}** ({g.description}): {g.lead_has}, needs {g.rule_needs}" for g in gates.itertuples()]
    reset = profile.get("mql_engagement_after")
    if reset is not None and not pd.isna(reset):
        lines.append(f"Engagement before the sales rejection of {pd.Timestamp(reset):%Y-%m-%d} does not count toward "
                     "the MQL score (recycle policy reset_engagement).")
    return False, "\n\n".join(lines)


def score_history(bi: BI, model_id: str, lead_id: str) -> pd.DataFrame:
    """The lead's score on each day it changed (between them only decay acts)."""
    return bi.df("""
        select score_date, total_score, mql_score, score_band, required_rules_hold, is_mql_qualified
        from marts.fct_lead_scores
        where model_id = ? and lead_id = ?
        order by score_date
    """, model_id, lead_id)


def lead_mql_episodes(bi: BI, model_id: str, lead_id: str) -> pd.DataFrame:
    return bi.df("""
        select mql_episode, mql_date, mql_at, score_at_mql
        from marts.fct_lead_mql_episodes
        where model_id = ? and lead_id = ?
        order by mql_episode
    """, model_id, lead_id)


def scored_events(bi: BI, model_id: str, lead_id: str) -> pd.DataFrame:
    """The lead's latest events that a rule of the model matched, one row per event with its rules."""
    return bi.df(f"""
        select occurred_at, event_type, event_detail, string_agg(rule_id, ', ' order by rule_id) as rules,
               bool_and(is_counted) as is_counted
        from marts.fct_lead_scored_events
        where model_id = ? and lead_id = ?
        group by event_id, occurred_at, event_type, event_detail
        order by occurred_at desc, event_id
        limit {EXPLORER_EVENTS_LIMIT}
    """, model_id, lead_id)


def stage_timeline(bi: BI, model_id: str, lead_id: str) -> pd.DataFrame:
    """The lead's stints, in order; the current one runs to the end of the scoring day."""
    return bi.df("""
        select t.transition_number, t.from_stage, t.to_stage as stage, t.transitioned_at as entered_at,
               coalesce(t.exited_at, d.as_of_date + interval 1 day) as until, t.exited_at, t.days_in_stage,
               t.is_current_stage, t.is_skip, t.skipped_stages, t.source_event_type, t.mql_episode, t.reason, t.sales_owner
        from marts.fct_lead_stage_transitions as t
        join marts.dim_leads as d on d.lead_id = t.lead_id
        where t.model_id = ? and t.lead_id = ?
        order by t.transition_number
    """, model_id, lead_id)


# --- activations ------------------------------------------------------------------------------

def activation_rules(bi: BI, model_id: str) -> pd.DataFrame:
    """The active actions of the model (seed activation_rules): action_id, description,
    destination, trigger_on, deliver_within_days; a rule without a model applies to every model."""
    return bi.df("""
        select action_id, description, destination, trigger_on, try_cast(deliver_within_days as integer) as deliver_within_days
        from seeds.activation_rules
        where coalesce(try_cast(is_active as boolean), true) and (model_id = ? or nullif(model_id, '') is null)
        qualify row_number() over (partition by action_id order by model_id nulls last) = 1
        order by action_id
    """, model_id)


def activation_queue(bi: BI, f: Filters) -> pd.DataFrame:
    """What the next delivery sends (mart_activation_queue as published: deliverable, not yet
    delivered to the outbox when the BI file was published), for the model and channels; due first."""
    where, params = _channel(f, "d.lead_source")
    return bi.df(f"""
        select q.activation_id, q.action_id, q.destination, q.lead_id, q.due_at, q.due_date, q.total_score,
               q.score_band, q.lifecycle_stage, q.top_reasons, q.triggering_event_type, q.triggering_event_at, q.sales_owner
        from marts.mart_activation_queue as q
        join marts.dim_leads as d on d.lead_id = q.lead_id
        where q.model_id = ? and {where}
        order by q.due_at, q.action_id, q.lead_id
    """, f.model_id, *params)


def activation_volume(bi: BI, f: Filters) -> pd.DataFrame:
    """Activations per week (Monday) of their due day and action (fct_lead_activations, delivered
    or not), due in the range, for the model and channels."""
    where, params = _channel(f, "d.lead_source")
    return bi.df(f"""
        select date_trunc('week', a.due_date)::date as due_week, a.action_id, count(*) as activations
        from marts.fct_lead_activations as a
        join marts.dim_leads as d on d.lead_id = a.lead_id
        where a.model_id = ? and a.due_date between ? and ? and {where}
        group by all
        order by due_week, a.action_id
    """, f.model_id, f.start, f.end, *params)


def delivery_log_path(bi: BI) -> Path:
    """delivery_log.parquet beside the BI file (lead_scoring/activation_log_export.py)."""
    return activation_log_export.delivery_log_path(bi.path)


def deliveries(bi: BI, f: Filters) -> pd.DataFrame | None:
    """The delivery log beside the BI file for the model's activations (and channels): one row per
    activation, destination and channel with its latest attempt (status, attempt, detail,
    logged_at, run_id) and when it was first delivered; None when there is no log file yet.

    The log is newer than the BI file (the delivery runs after the publication); the model of a
    logged activation is the one fct_lead_activations gives it."""
    path = delivery_log_path(bi)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    where, params = _channel(f, "d.lead_source")
    # Read through the BI file's connection, to join the published activations; cached per file version.
    return bi.fetch(bi.path, f"{bi.version}|{stat.st_mtime_ns}|{stat.st_size}", f"""
        with log as (
            select *,
                   min(logged_at) filter (where status = 'delivered')
                       over (partition by activation_id, destination, channel) as first_delivered_at
            from read_parquet(?)
        )
        select log.activation_id, log.action_id, log.lead_id, log.destination, log.channel, log.status, log.attempt,
               log.detail, log.logged_at, log.run_id, log.first_delivered_at
        from log
        join marts.fct_lead_activations as a on a.activation_id = log.activation_id
        join marts.dim_leads as d on d.lead_id = a.lead_id
        where a.model_id = ? and {where}
        qualify row_number() over (partition by log.activation_id, log.destination, log.channel
                                   order by log.logged_at desc, log.attempt desc) = 1
        order by log.logged_at desc, log.activation_id, log.channel
    """, (str(path), f.model_id, *params))


# --- accounts ---------------------------------------------------------------------------------

def accounts_current(bi: BI, model_id: str) -> pd.DataFrame:
    """Every scored account of the model today (mart_account_scores_current) with its name,
    domain and counts (dim_accounts); highest account score first."""
    return bi.df("""
        select a.account_id, a.account_name, a.account_domain, a.account_source, a.leads_count, a.visits_count,
               s.account_score, s.best_fit_score, s.lead_engagement_score, s.visit_engagement_score, s.engaged_leads,
               s.is_engaged_account, s.is_mqa, s.first_mqa_date, s.first_mqa_at
        from marts.mart_account_scores_current as s
        join marts.dim_accounts as a on a.account_id = s.account_id
        where s.model_id = ?
        order by s.account_score desc, a.account_id
    """, model_id)


def account_activations(bi: BI, f: Filters) -> pd.DataFrame:
    """The model's account activations due in the date range (fct_account_activations: hand-offs of
    accounts by rules that target accounts, docs/activation.md), latest first."""
    return bi.df("""
        select activation_id, action_id, account_name, account_domain, destination, due_at, account_score,
               engaged_leads, leads_count, top_engaged_lead_ids, is_deliverable
        from marts.fct_account_activations
        where model_id = ? and due_date between ? and ?
        order by due_at desc, activation_id
    """, f.model_id, f.start, f.end)


def account_funnel(bi: BI, f: Filters) -> pd.DataFrame:
    """The account funnel (mart_account_funnel) of the model, summed over the cohort months in the
    range: accounts per stage, to date and within 90 days (mature cohorts only)."""
    return bi.df("""
        select stage, stage_order, sum(cohort_accounts) as cohort_accounts, sum(reached_accounts) as reached_accounts,
               sum(reached_within_90d) filter (where not is_immature_90d) as reached_within_90d,
               sum(cohort_accounts) filter (where not is_immature_90d) as mature_cohort_accounts
        from marts.mart_account_funnel
        where model_id = ? and cohort_month between ? and ?
        group by stage, stage_order
        order by stage_order
    """, f.model_id, f.first_month, f.end)
