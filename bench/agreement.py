"""Agreement checks: dbt's results against the references (bench/reference_*.py), and an incremental warehouse
against a full build. Both raise SystemExit with a sample of the differing rows."""

from __future__ import annotations

from pathlib import Path

import duckdb

from lead_scoring.warehouse import scalar, sql_string

TOLERANCE = 1e-6  # on total scores; first MQL dates must be identical


def compare(db: Path, references: dict[str, Path]) -> dict:
    """dbt's current totals and first MQL dates against each reference's result ({name: Parquet
    file}). Raises on disagreement."""
    con = duckdb.connect(str(db), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    con.execute("""
        create temp table dbt_result as
        select scores.model_id, scores.lead_id, scores.total_score, episodes.mql_date as first_mql_date
        from marts.mart_lead_scores_current as scores
        left join marts.fct_lead_mql_episodes as episodes
            on episodes.model_id = scores.model_id and episodes.lead_id = scores.lead_id and episodes.mql_episode = 1
    """)
    report = {"rows": scalar(con, "select count(*) from dbt_result"),
              "mqls": scalar(con, "select count(first_mql_date) from dbt_result")}
    problems = []
    for name, path in references.items():
        diff = f"""
            from dbt_result as d
            full join (select model_id, lead_id, total_score, cast(first_mql_date as date) as first_mql_date from read_parquet({sql_string(path)})) as r
                using (model_id, lead_id)
            where d.lead_id is null or r.lead_id is null
               or abs(d.total_score - r.total_score) > {TOLERANCE}
               or d.first_mql_date is distinct from r.first_mql_date
        """
        mismatches = scalar(con, f"select count(*) {diff}")
        max_delta = scalar(con, f"""
            select max(abs(d.total_score - r.total_score)) from dbt_result as d
            join read_parquet({sql_string(path)}) as r using (model_id, lead_id)""")
        report[name] = {"mismatched_rows": mismatches, "max_abs_total_diff": max_delta}
        if mismatches:
            sample = con.execute(f"""
                select model_id, lead_id, d.total_score as dbt_total, r.total_score as {name}_total,
                       d.first_mql_date as dbt_first_mql, r.first_mql_date as {name}_first_mql {diff}
                order by model_id, lead_id limit 10""").df()
            problems.append(f"dbt and the {name} reference disagree on {mismatches} (model, lead) rows, e.g.:\n{sample.to_string(index=False)}")
    con.close()
    if problems:
        raise SystemExit("\n\n".join(problems))
    return report


def compare_warehouses(incremental: Path, full: Path) -> dict:
    """The incremental warehouse's current scores and first MQLs equal the full build's."""
    con = duckdb.connect()
    con.execute(f"attach {sql_string(incremental)} as inc (read_only)")
    con.execute(f"attach {sql_string(full)} as fullb (read_only)")
    counts = {}
    for table, columns in {
        "marts.mart_lead_scores_current": "model_id, lead_id, round(total_score, 9), first_mql_at, mql_count",
        "marts.fct_lead_mql_episodes": "model_id, lead_id, mql_episode, mql_date",
    }.items():
        a = f"select {columns} from inc.{table}"
        b = f"select {columns} from fullb.{table}"
        counts[table] = scalar(con, f"select (select count(*) from ({a} except all {b})) + (select count(*) from ({b} except all {a}))")
    con.close()
    if any(counts.values()):
        raise SystemExit(f"incremental warehouse differs from the full build: {counts}")
    return {"differing_rows": counts}
