"""A short, plain-text summary of what the last run produced, read from the warehouse."""

from __future__ import annotations

import datetime as dt

import duckdb

from lead_scoring.dbt_definitions import RAW_TABLES
from lead_scoring.ingest.raw_loader import REJECTS_TABLE, UNKNOWN_EVENT_TYPE, event_type_name_sql, pending_rows
from lead_scoring.settings import SOURCE_VAR, RawSourceError, crm_schema, lead_source, pending_max_age_days
from lead_scoring.warehouse import scalar, table_exists


def format_table(headers: list[str], rows: list[tuple]) -> str:
    cells = [[str(h) for h in headers]] + [["" if v is None else (f"{v:,.1f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(r, widths))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def lead_source_or_none() -> str | None:
    """The CRM that LEAD_SCORING_SOURCE names, None for the native source (or a bad value, which the
    run itself reports)."""
    try:
        source = lead_source()
    except RawSourceError:
        return None
    return None if source == "native" else source


def summary_sections(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """[(title, text)] for every part of the pipeline that exists in the warehouse."""
    sections = []
    raw_rows = []
    has_rejects = table_exists(con, *REJECTS_TABLE.split("."))
    for table in RAW_TABLES:
        raw = scalar(con, f"select count(*) from raw.{table}") if table_exists(con, "raw", table) else None
        pending, rejected = (
            con.execute("select count(*) filter (where status = 'pending'), count(*) filter (where status != 'pending') "
                        f"from {REJECTS_TABLE} where table_name = ?", [table]).fetchall()[0]
            if has_rejects else (None, None)
        )
        stg_name = f"stg_raw__{table}"
        stg = scalar(con, f"select count(*) from staging.{stg_name}") if table_exists(con, "staging", stg_name) else None
        raw_rows.append((table, raw, pending, rejected, stg))
    title = "Rows per raw table (pending: waiting for their lead; pending and rejected rows: raw.load_rejects)"
    crm = lead_source_or_none()
    if crm is not None:
        title = (f"Rows per table ({SOURCE_VAR}={crm}: staged from the {crm} tables its connector landed in the "
                 f"schema {crm_schema(crm)}; the raw tables are not read)")
    sections.append((title, format_table(["table", "raw rows", "pending", "rejected", "after staging"], raw_rows)))
    unmapped = unmapped_events_section(con) if has_rejects else None
    if unmapped:
        sections.append(unmapped)
    notes = load_notes(con)
    if notes:
        sections.append(("Needs attention in the landing data", "\n".join(f"- {line}" for line in notes)))
    rule_warnings = rule_warnings_section(con)
    if rule_warnings:
        sections.append(rule_warnings)

    words = section_words(con)
    measures = mql_measures_section(con, words)
    if measures:
        sections.append(measures)
    for title, sql, headers in EXTRA_SECTIONS:
        tables = [name.split(".") for name in sql_dependencies(sql)]
        if all(table_exists(con, s, t) for s, t in tables):
            sections.append((title.format_map(words), format_table([h.format_map(words) for h in headers], con.execute(sql).fetchall())))
    handoffs = handoffs_section(con)
    if handoffs:
        sections.append(handoffs)
    return sections


def unmapped_events_section(con: duckdb.DuckDBPyConnection, shown: int = 10) -> tuple[str, str] | None:
    """The event names the loader did not know (raw.load_rejects), by source system, most rows
    first: what to add to seeds/event_type_mapping.csv. They load at the next run that maps them."""
    rows = con.execute(f"""
        select coalesce(nullif(lower(trim(json_extract_string(record, '$.source_system'))), ''), '(none)') as source_system,
               {event_type_name_sql("json_extract_string(record, '$.event_type')")} as event_name,
               count(*) as events
        from {REJECTS_TABLE}
        where table_name = 'events' and reason in (?, 'unknown event_type')
        group by all
        order by events desc, source_system, event_name""", [UNKNOWN_EVENT_TYPE]).fetchall()
    if not rows:
        return None
    more = f"\n... and {len(rows) - shown} more name(s)" if len(rows) > shown else ""
    return (f"Unmapped event names: {sum(r[2] for r in rows):,} event(s) wait in raw.load_rejects; map them in "
            "seeds/event_type_mapping.csv and they load at the next run",
            format_table(["source_system", "event name", "events"], rows[:shown]) + more)


def rule_warnings_section(con: duckdb.DuckDBPyConnection, shown: int = 5) -> tuple[str, str] | None:
    """The scoring rules' warnings of the last build (int_scoring_config_warnings), the first few."""
    if not table_exists(con, "intermediate", "int_scoring_config_warnings"):
        return None
    rows = con.execute("select seed_name, coalesce(model_id, ''), coalesce(rule_id, ''), column_name, warning "
                       "from intermediate.int_scoring_config_warnings order by all").fetchall()
    if not rows:
        return None
    lines = [f"- {seed} {model} {rule} ({column}): {warning}".replace("  ", " ") for seed, model, rule, column, warning in rows[:shown]]
    more = f"\n  ... and {len(rows) - shown} more" if len(rows) > shown else ""
    return (f"Scoring rules: {len(rows)} warning(s), the run went on (`lead-scoring validate` lists them all)", "\n".join(lines) + more)


class _Words(dict):
    """Labels of the MQL measures and benchmark ranges for titles and headers; a name the
    warehouse does not have yet stays as it is."""

    def __missing__(self, key: str) -> str:
        return key


def section_words(con: duckdb.DuckDBPyConnection) -> _Words:
    """{measure: label} from marts.mart_mql_measures (seed mql_measures), and the typical ranges of
    seeds.funnel_benchmarks as `<metric>_range`."""
    words = _Words()
    if table_exists(con, "marts", "mart_mql_measures"):
        words.update(con.execute("select distinct measure, label from marts.mart_mql_measures").fetchall())
    if table_exists(con, "seeds", "funnel_benchmarks"):
        for metric, unit, low, high in con.execute("select metric, unit, typical_min, typical_max from seeds.funnel_benchmarks").fetchall():
            words[f"{metric}_range"] = f"{100 * low:g}-{100 * high:g} %" if unit == "share" else f"{low:g}-{high:g} days"
    return words


def measure_value(value: float | None, unit: str) -> str | float | int | None:
    """A measure as every surface shows it: whole counts, shares in percent with one decimal,
    days as the mart rounded them (one decimal)."""
    if value is None:
        return None
    if unit == "share":
        return f"{100 * value:.1f} %"
    return float(value) if unit == "days" else int(value)


def mql_measures_section(con: duckdb.DuckDBPyConnection, words: _Words) -> tuple[str, str] | None:
    """The MQL measures of every scoring model over the whole history, as mart_mql_measures has them."""
    if not table_exists(con, "marts", "mart_mql_measures"):
        return None
    rows = con.execute("""
        select model_id || case when is_primary_model then ' (primary)' else '' end, measure_order, label, unit, value
        from marts.mart_mql_measures
        where slice_name = 'all'
        order by is_primary_model desc, model_id, measure_order
    """).fetchall()
    models = list(dict.fromkeys(model for model, *_ in rows))
    table: dict[tuple[int, str], dict[str, object]] = {}
    for model, order, label, unit, value in rows:
        table.setdefault((order, label), {})[model] = measure_value(value, unit)
    lines = [(label, *(cells.get(m) for m in models)) for (_, label), cells in sorted(table.items())]
    if table_exists(con, "marts", "mart_lead_scores_current"):
        # The model's settings and today's state beside the measures; neither is an MQL measure.
        today = {model: (threshold, qualified) for model, threshold, qualified in con.execute("""
            select model_id || case when bool_or(is_primary_model) then ' (primary)' else '' end,
                   max(mql_threshold), count(case when is_mql_qualified then 1 end)
            from marts.mart_lead_scores_current
            group by model_id
        """).fetchall()}
        lines.append(("MQL threshold", *(today.get(m, (None, None))[0] for m in models)))
        lines.append(("at or above it with the gates holding today", *(today.get(m, (None, None))[1] for m in models)))
    title = ("MQL measures per scoring model, whole history (definitions: seed mql_measures; benchmarks per cohort "
             "month within 90 days: lead->MQL {lead_to_mql_rate_range} in order, {lead_to_mql_days_range} to MQL)").format_map(words)
    return title, format_table(["measure", *models], lines)


def handoffs_section(con: duckdb.DuckDBPyConnection) -> tuple[str, str] | None:
    """Per scoring model and action: the activations due on the scoring day, the deliverable ones
    (due within the rule's deliver_within_days), those still queued (marts.mart_activation_queue:
    not delivered to the outbox), delivered to the outbox, and failed (the latest attempt on some
    channel failed, none delivered), from activation.delivery_log when the delivery has run. Every
    active action of the seed activation_rules has a row, those that target accounts
    (marts.fct_account_activations) included. None without the activation marts."""
    if not (table_exists(con, "marts", "fct_lead_activations") and table_exists(con, "marts", "mart_activation_queue")):
        return None
    # Lead and account activations, in the columns counted here.
    counted = "activation_id, model_id, is_primary_model, action_id, destination, due_date, as_of_date, is_deliverable"
    activations = (f"(select {counted} from marts.fct_lead_activations union all select {counted} from marts.fct_account_activations)"
                   if table_exists(con, "marts", "fct_account_activations") else "marts.fct_lead_activations")
    has_log = table_exists(con, "activation", "delivery_log")
    if has_log:
        log = """
        delivered as (
            select distinct activation_id, destination from activation.delivery_log
            where channel = 'outbox' and status = 'delivered'
        ),
        failed as (
            select distinct activation_id, destination from activation.delivery_log
            qualify row_number() over (partition by activation_id, destination, channel order by logged_at desc, attempt desc) = 1
                and status = 'failed'
        ),"""
    else:
        log = """
        delivered as (select null::varchar as activation_id, null::varchar as destination where false),
        failed as (select null::varchar as activation_id, null::varchar as destination where false),"""
    # The active rules as the models read them (typed, validated).
    rules = ("""
        union
        select model_id, action_id, destination from intermediate.int_activation_rules"""
             if table_exists(con, "intermediate", "int_activation_rules") else "")
    rows = con.execute(f"""
        with{log}
        current as (
            select a.*, d.activation_id is not null as is_delivered, f.activation_id is not null as has_failed
            from {activations} as a
            left join delivered as d on d.activation_id = a.activation_id and d.destination = a.destination
            left join failed as f on f.activation_id = a.activation_id and f.destination = a.destination
            where a.is_deliverable or a.due_date = a.as_of_date
        ),
        queued as (
            select model_id, action_id, destination, count(*) as queued
            from marts.mart_activation_queue
            group by all
        ),
        actions as (
            select distinct model_id, action_id, destination from current
            union
            select model_id, action_id, destination from queued{rules}
        ),
        counts as (
            select model_id, action_id, destination,
                   count(*) filter (where due_date = as_of_date) as due_today,
                   count(*) filter (where is_deliverable) as deliverable,
                   count(*) filter (where is_deliverable and is_delivered) as delivered,
                   count(*) filter (where is_deliverable and has_failed and not is_delivered) as failed
            from current
            group by all
        ),
        models as (
            select model_id, bool_or(is_primary_model) as is_primary_model from {activations} group by model_id
        )
        select actions.model_id || case when models.is_primary_model then ' (primary)' else '' end,
               actions.action_id, actions.destination,
               coalesce(counts.due_today, 0), coalesce(counts.deliverable, 0), coalesce(queued.queued, 0),
               coalesce(counts.delivered, 0), coalesce(counts.failed, 0)
        from actions
        left join counts using (model_id, action_id, destination)
        left join queued using (model_id, action_id, destination)
        left join models using (model_id)
        order by models.is_primary_model desc nulls last, actions.model_id, actions.action_id, actions.destination
    """).fetchall()
    as_of = scalar(con, "select max(as_of_date) from marts.fct_lead_activations")
    title = (f"Hand-offs due today ({as_of if as_of is not None else 'no activation yet'}): per action; deliverable = due within the "
             "rule's deliver_within_days; queued = deliverable and not delivered to the outbox (marts.mart_activation_queue); "
             "failed = the latest attempt on a channel failed"
             + ("" if has_log else "; no delivery has run yet (no activation.delivery_log)"))
    headers = ["model", "action", "destination", "due today", "deliverable", "queued", "delivered", "failed"]
    return title, format_table(headers, rows)


def load_notes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Files the latest load skipped or could not read, and rows waiting too long for their lead."""
    if not table_exists(con, "raw", "load_log"):
        return []
    notes = [f"{status} {path}: {message}" for status, path, message in con.execute("""
        select status, file_path, message from raw.load_log
        where status in ('skipped', 'failed') and load_id = (select arg_max(load_id, loaded_at) from raw.load_log)
        order by status, file_path""").fetchall()]
    max_age = pending_max_age_days()
    for pending in pending_rows(con, dt.datetime.now(dt.timezone.utc), max_age):
        if pending.older_than_limit:
            notes.append(f"{pending.older_than_limit:,} {pending.table} row(s) have waited more than {max_age:g} days for their lead "
                         f"(select * from raw.load_rejects where status = 'pending' and table_name = '{pending.table}')")
    return notes


# Sections over the marts, shown once the models they read exist: (title, sql, headers).
EXTRA_SECTIONS: list[tuple[str, str, list[str]]] = [
    (
        "Leads per score band today",
        """
        select scores.model_id, scores.score_band, count(*), round(avg(scores.total_score), 1), max(measures.value)::bigint
        from marts.mart_lead_scores_current as scores
        join marts.dim_score_bands as bands on bands.score_band = scores.score_band
        left join marts.mart_mql_measures as measures
            on measures.model_id = scores.model_id and measures.slice_name = 'score_band'
            and measures.slice_value = scores.score_band and measures.measure = 'mql_leads'
        group by scores.model_id, scores.score_band, bands.band_order
        order by scores.model_id, bands.band_order desc
        """,
        ["model", "band", "leads", "avg score", "{mql_leads}"],
    ),
    (
        "Leads per current stage (primary model)",
        """
        select
            stages.stage,
            case when stages.is_main_path then 'main path' else 'detour' end,
            count(leads.lead_id),
            round(100.0 * count(leads.lead_id) / nullif(sum(count(leads.lead_id)) over (), 0), 1),
            round(median(leads.days_in_current_stage), 1),
            count(case when leads.has_skipped_stages then 1 end)
        from seeds.lifecycle_stages as stages
        left join marts.dim_leads as leads on leads.current_stage = stages.stage
        group by stages.stage, stages.stage_order, stages.is_main_path
        order by stages.stage_order
        """,
        ["stage", "path", "leads", "share %", "median days in stage", "with skipped stages"],
    ),
    (
        "Lifecycle funnel (primary model): any stage = reached it or beyond; in order = no skipped stage before it "
        "(at mql: '{mql_or_later_leads}' and '{in_order_mqls}')",
        """
        with funnel as (
            select
                stage_order,
                stage,
                sum(case when funnel_kind = 'any_stage' then reached_leads end) as reached,
                sum(case when funnel_kind = 'in_order' then reached_leads end) as in_order
            from marts.mart_funnel_conversion
            where is_primary_model and cohort_basis = 'created_month' and slice_name = 'all'
            group by stage_order, stage
        )
        select
            stage,
            reached,
            round(100.0 * reached / nullif(lag(reached) over (order by stage_order), 0), 1),
            round(100.0 * reached / nullif(first_value(reached) over (order by stage_order), 0), 1),
            in_order,
            round(100.0 * in_order / nullif(lag(in_order) over (order by stage_order), 0), 1),
            round(100.0 * in_order / nullif(first_value(in_order) over (order by stage_order), 0), 1)
        from funnel
        order by stage_order
        """,
        ["stage", "reached (any)", "next-step %", "cumulative %", "reached in order", "next-step %", "cumulative %"],
    ),
    (
        "Cohort funnel (primary model): leads created in the month, % that reached each stage within 90 days (any stage: skippers count at the stages they jumped; last 4 months mature for 90 days)",
        """
        with mature_months as (
            select cohort_month
            from marts.mart_funnel_conversion
            where is_primary_model and cohort_basis = 'created_month' and slice_name = 'all' and not is_immature_90d
            group by cohort_month
            order by cohort_month desc
            limit 4
        )
        select
            strftime(conversion.cohort_month, '%Y-%m'),
            max(conversion.cohort_leads),
            round(100 * max(case when conversion.stage = 'mql' and conversion.funnel_kind = 'in_order' then conversion.conversion_within_90d end), 1),
            round(100 * max(case when conversion.stage = 'mql' and conversion.funnel_kind = 'any_stage' then conversion.conversion_within_90d end), 1),
            round(100 * max(case when conversion.stage = 'sal' and conversion.funnel_kind = 'any_stage' then conversion.conversion_within_90d end), 1),
            round(100 * max(case when conversion.stage = 'sql' and conversion.funnel_kind = 'any_stage' then conversion.conversion_within_90d end), 1),
            round(100 * max(case when conversion.stage = 'opportunity' and conversion.funnel_kind = 'any_stage' then conversion.conversion_within_90d end), 1),
            round(100 * max(case when conversion.stage = 'customer' and conversion.funnel_kind = 'any_stage' then conversion.conversion_within_90d end), 1)
        from marts.mart_funnel_conversion as conversion
        join mature_months on mature_months.cohort_month = conversion.cohort_month
        where conversion.is_primary_model and conversion.cohort_basis = 'created_month'
          and conversion.slice_name = 'all'
        group by conversion.cohort_month
        order by conversion.cohort_month
        """,
        ["cohort", "leads", "{in_order_mqls} %", "{mql_or_later_leads} %", "SAL+ %", "SQL+ %", "opportunity+ %", "won %"],
    ),
    (
        "Velocity (primary model, all cohorts): days between the first entries into consecutive stages (step lead_to_mql: the '{in_order_mqls}'; '{median_days_to_mql}' above counts every lead that became an MQL)",
        """
        select step, leads, median_days, p75_days, p90_days, mean_days
        from marts.mart_funnel_velocity
        where is_primary_model and cohort_scope = 'all' and slice_name = 'all'
        order by step_order
        """,
        ["step", "leads", "median", "P75", "P90", "mean"],
    ),
    (
        "Benchmark health (primary model, latest month mature for each metric's window)",
        """
        with latest as (
            select metric, max(period_month) as period_month
            from marts.mart_funnel_health
            where is_primary_model and not is_immature
            group by metric
        )
        select
            health.metric,
            strftime(health.period_month, '%Y-%m'),
            health.base_leads,
            case when health.unit = 'share' then printf('%.1f %%', 100 * health.value) else printf('%.1f days', health.value) end,
            case when health.unit = 'share' then printf('%.0f-%.0f %%', 100 * health.typical_min, 100 * health.typical_max)
                 else printf('%.0f-%.0f days', health.typical_min, health.typical_max) end,
            health.benchmark_flag,
            coalesce(health.benchmark_alarm, '')
        from marts.mart_funnel_health as health
        join latest on latest.metric = health.metric and latest.period_month = health.period_month
        where health.is_primary_model
        order by health.metric
        """,
        ["metric", "month", "leads", "value", "typical", "flag", "alarm"],
    ),
    (
        "Speed to lead (primary model): MQL to first sales attempt, last 3 months",
        """
        select
            strftime(mql_month, '%Y-%m'), mql_entries, attempted_entries, round(100 * share_within_sla, 1),
            round(p50_hours_to_first_attempt, 1), round(p95_hours_to_first_attempt, 1), pending_entries, open_breaches
        from marts.mart_speed_to_lead
        where is_primary_model and slice_name = 'all'
        order by mql_month desc
        limit 3
        """,
        ["month", "entries into mql", "attempted", "within SLA %", "P50 h", "P95 h", "pending", "open breaches"],
    ),
    (
        "Feedback per score band (primary model; band = peak before sales qualified the lead; leads at least 90 days old)",
        """
        select score_band, leads, round(100 * sql_rate, 1), round(100 * opportunity_rate, 1), round(100 * won_rate, 1), round(opportunity_lift, 1)
        from marts.mart_feedback_score_bands
        where is_primary_model
        order by band_order
        """,
        ["band", "leads", "SQL %", "opportunity %", "won %", "opportunity lift"],
    ),
    (
        "Accounts today (account = CRM account or company domain; engaged and MQA as seed account_scoring sets them, "
        "docs/accounts.md)",
        """
        select
            model_id || case when is_primary_model then ' (primary)' else '' end,
            count(*),
            count(case when leads_count = 0 then 1 end),
            count(case when is_engaged_account then 1 end),
            count(case when is_mqa then 1 end),
            count(case when first_mqa_date > as_of_date - interval 30 day then 1 end)
        from marts.mart_account_scores_current
        group by model_id, is_primary_model
        order by is_primary_model desc, model_id
        """,
        ["model", "accounts", "without a lead", "engaged", "MQA today", "first MQA in the last 30 days"],
    ),
]


def sql_dependencies(sql: str) -> list[str]:
    """schema.table names a section reads, in the form `from schema.table` / `join schema.table`."""
    words = sql.replace("\n", " ").split()
    return [words[i + 1] for i, w in enumerate(words[:-1]) if w.lower() in {"from", "join"} and "." in words[i + 1]]


def render_summary(con: duckdb.DuckDBPyConnection) -> str:
    return "\n\n".join(f"== {title} ==\n{text}" for title, text in summary_sections(con))
