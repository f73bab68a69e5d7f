"""A short, plain-text summary of what the last run produced, read from the warehouse."""

from __future__ import annotations

import duckdb

from orchestration.settings import RAW_TABLES


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
    )


def format_table(headers: list[str], rows: list[tuple]) -> str:
    cells = [[str(h) for h in headers]] + [["" if v is None else (f"{v:,.1f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v)) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(r, widths))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary_sections(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """[(title, text)] for every part of the pipeline that exists in the warehouse."""
    sections = []
    raw_rows = []
    for table in RAW_TABLES:
        raw = con.execute(f"select count(*) from raw.{table}").fetchall()[0][0] if _exists(con, "raw", table) else None
        stg_name = f"stg_raw__{table}"
        stg = con.execute(f"select count(*) from staging.{stg_name}").fetchall()[0][0] if _exists(con, "staging", stg_name) else None
        raw_rows.append((table, raw, stg))
    sections.append(("Rows per raw table", format_table(["table", "raw rows", "after staging"], raw_rows)))

    if _exists(con, "staging", "stg_raw__events"):
        rows = con.execute(
            "select event_type, count(*) as events, count(distinct lead_id) as leads "
            "from staging.stg_raw__events group by 1 order by 2 desc"
        ).fetchall()
        sections.append(("Events by type", format_table(["event type", "events", "leads"], rows)))

    for title, sql, headers in EXTRA_SECTIONS:
        tables = [name.split(".") for name in sql_dependencies(sql)]
        if all(_exists(con, s, t) for s, t in tables):
            sections.append((title, format_table(headers, con.execute(sql).fetchall())))
    return sections


# Sections over the marts, shown once the models they read exist: (title, sql, headers).
EXTRA_SECTIONS: list[tuple[str, str, list[str]]] = [
    (
        "MQLs per scoring model (benchmarks: lead->MQL 5-15 %, 14-30 days to MQL)",
        """
        select
            scores.model_id || case when scores.is_primary_model then ' (primary)' else '' end,
            max(scores.mql_threshold),
            count(*),
            count(case when scores.mql_count > 0 then 1 end),
            round(100.0 * count(case when scores.mql_count > 0 then 1 end) / count(*), 1),
            count(case when scores.mql_count > 1 then 1 end),
            median(date_diff('day', leads.created_at, scores.first_mql_at)),
            count(case when scores.is_mql_qualified then 1 end)
        from marts.mart_lead_scores_current as scores
        join staging.stg_raw__leads as leads on leads.lead_id = scores.lead_id
        group by scores.model_id, scores.is_primary_model
        order by scores.is_primary_model desc, scores.model_id
        """,
        ["model", "threshold", "leads", "MQL leads", "lead->MQL %", "re-MQL leads", "median days to MQL", "qualified today"],
    ),
    (
        "Leads per score band today",
        """
        select model_id, score_band, count(*), round(avg(total_score), 1), count(case when mql_count > 0 then 1 end)
        from marts.mart_lead_scores_current
        group by model_id, score_band
        order by model_id, case score_band when 'hot' then 1 when 'nurture' then 2 else 3 end
        """,
        ["model", "band", "leads", "avg score", "ever MQL"],
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
        "Lifecycle funnel (primary model): any stage = reached it or beyond; in order = no skipped stage before it",
        """
        with funnel as (
            select
                stages.stage_order,
                stages.stage,
                count(case when leads.furthest_stage_order >= stages.stage_order then 1 end) as reached,
                count(case when leads.in_order_stage_order >= stages.stage_order then 1 end) as in_order
            from seeds.lifecycle_stages as stages
            cross join marts.dim_leads as leads
            where stages.is_main_path
            group by stages.stage_order, stages.stage
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
]


def sql_dependencies(sql: str) -> list[str]:
    """schema.table names a section reads, in the form `from schema.table` / `join schema.table`."""
    words = sql.replace("\n", " ").split()
    return [words[i + 1] for i, w in enumerate(words[:-1]) if w.lower() in {"from", "join"} and "." in words[i + 1]]


def render_summary(con: duckdb.DuckDBPyConnection) -> str:
    return "\n\n".join(f"== {title} ==\n{text}" for title, text in summary_sections(con))
