"""Custom asset checks, next to the dbt tests that dagster-dbt turns into checks.

Blocking (a failure stops everything downstream):
  raw/events  events_are_fresh          the newest event is at most 36 hours old
  raw/<table> rows_reconcile            rows in the files = rows loaded + rows pending + rows
                                        rejected (per file when the loader records each row's file)
  staging/stg_raw__events  one_row_per_raw_event_id
                                        staging keeps exactly one row per distinct raw event_id
Warnings (the run succeeds, the UI shows them):
  raw/events, raw/opportunities  rows_pending_too_long
                                                     rows waiting for their lead longer than
                                                     LEAD_SCORING_PENDING_MAX_AGE_DAYS (7)
  marts/mart_mql_measures        benchmark_health   lead→MQL rate (in order) and days to MQL of the
                                                     primary model (mart_mql_measures) against the
                                                     ranges of seeds.funnel_benchmarks
  marts/mart_lead_scores_current  score_band_drift   share of leads per score band against the
                                                     previous run

The freshness and reconciliation checks are computed by the raw ingestion step itself: dbt's
source tests make the dbt step a checker of the raw assets, and Dagster lets a step that checks an
asset run even when another check on that asset failed, so only a failing raw step keeps dbt from
running. The functions below take an open DuckDB connection and return the check result, so
tests call them on small hand-made tables.
"""

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from lead_scoring.dbt_definitions import SCORE_BANDS
from lead_scoring.ingest.raw_loader import REJECTS_TABLE, PendingRows, count_file_rows, find_table_files, table_schema
from lead_scoring.run_options import DEFAULT_FRESHNESS_HOURS
from lead_scoring.settings import DEFAULT_PENDING_MAX_AGE_DAYS, RAW_SCHEMA, lead_source
from lead_scoring.warehouse import scalar, table_exists
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource


def raw_key(table: str) -> dg.AssetKey:
    """The asset of the raw table `table` (the raw step materializes one per contract table)."""
    return dg.AssetKey([RAW_SCHEMA, table])


RAW_EVENTS = raw_key("events")
STG_EVENTS = dg.AssetKey(["staging", "stg_raw__events"])
STG_LEADS = dg.AssetKey(["staging", "stg_raw__leads"])
MART_CURRENT = dg.AssetKey(["marts", "mart_lead_scores_current"])
MART_MQL_MEASURES = dg.AssetKey(["marts", "mart_mql_measures"])
SEED_BENCHMARKS = dg.AssetKey(["seeds", "funnel_benchmarks"])

FRESHNESS_CHECK = "events_are_fresh"
RECONCILIATION_CHECK = "rows_reconcile"
PENDING_CHECK = "rows_pending_too_long"
RAW_OPPORTUNITIES = raw_key("opportunities")
STAGING_EVENTS_CHECK = "one_row_per_raw_event_id"
HEALTH_CHECK = "benchmark_health"
DRIFT_CHECK = "score_band_drift"
# The largest move of a band's share between two runs that passes the drift check.
MAX_BAND_SHIFT = 0.10



def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


# ---------------------------------------------------------------------------------------------
# Raw ingestion (evaluated inside the raw step)


def raw_check_specs(raw_keys: list[dg.AssetKey]) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            FRESHNESS_CHECK,
            asset=RAW_EVENTS,
            blocking=True,
            description=f"Fails when the newest event is older than LEAD_SCORING_FRESHNESS_HOURS ({DEFAULT_FRESHNESS_HOURS:g}): "
            "the export has stopped and scores would silently go stale.",
        ),
        *(
            dg.AssetCheckSpec(
                RECONCILIATION_CHECK,
                asset=key,
                blocking=True,
                description="Rows in the files = rows loaded + rows pending + rows rejected (raw.load_rejects, "
                "when it exists), file by file when the loader records each row's file.",
            )
            for key in raw_keys
        ),
        *(
            dg.AssetCheckSpec(
                PENDING_CHECK,
                asset=key,
                blocking=False,
                description="Warns when rows have waited for their lead (pending in raw.load_rejects) longer than "
                f"LEAD_SCORING_PENDING_MAX_AGE_DAYS ({DEFAULT_PENDING_MAX_AGE_DAYS:g}); they are kept and load as soon as the lead arrives.",
            )
            for key in (RAW_EVENTS, RAW_OPPORTUNITIES) if key in raw_keys
        ),
    ]


def pending_result(pending: PendingRows, max_age_days: float) -> dg.AssetCheckResult:
    """Warning when rows of a table have waited longer than `max_age_days` for their lead."""
    oldest = f"{pending.oldest_rejected_at:%Y-%m-%d %H:%M} UTC" if pending.oldest_rejected_at else None
    metadata = {"rows_pending": pending.rows, "rows_pending_too_long": pending.older_than_limit,
                "max_age_days": max_age_days, "oldest_pending_since": oldest}
    if not pending.rows:
        description = "No rows wait for their lead."
    else:
        description = (f"{pending.rows:,} row(s) wait for their lead (pending in raw.load_rejects), the oldest since {oldest}; "
                       f"{pending.older_than_limit:,} longer than {max_age_days:g} days. They load when the lead arrives: "
                       "check that the CRM export includes their lead_id "
                       f"(select * from raw.load_rejects where status = 'pending' and table_name = '{pending.table}').")
    return dg.AssetCheckResult(
        check_name=PENDING_CHECK, asset_key=raw_key(pending.table), passed=pending.older_than_limit == 0,
        severity=dg.AssetCheckSeverity.WARN, metadata=metadata, description=description)


def freshness_result(con: duckdb.DuckDBPyConnection, now: dt.datetime, max_age_hours: float) -> dg.AssetCheckResult:
    latest_epoch = scalar(con, "select epoch(max(occurred_at)) from raw.events")
    metadata: dict[str, object] = {"reference_time": now.isoformat(), "max_age_hours": max_age_hours}
    if latest_epoch is None:
        return dg.AssetCheckResult(
            check_name=FRESHNESS_CHECK, asset_key=RAW_EVENTS, passed=False, metadata=metadata,
            description="raw.events is empty: no event has ever arrived.",
        )
    latest = dt.datetime.fromtimestamp(latest_epoch, tz=dt.timezone.utc)
    age_hours = (now - latest).total_seconds() / 3600
    metadata |= {"latest_event_at": latest.isoformat(), "age_hours": round(age_hours, 1)}
    passed = age_hours <= max_age_hours
    if passed:
        age = f"{age_hours:.1f} h old" if age_hours >= 0 else f"{-age_hours:.1f} h ahead of the reference time"
        description = f"Newest event {latest:%Y-%m-%d %H:%M} UTC is {age}, within the {max_age_hours:g} h limit."
    else:
        description = stale_events_message(latest, now, max_age_hours)
        metadata["score_as_of_date"] = latest.date().isoformat()
    return dg.AssetCheckResult(
        check_name=FRESHNESS_CHECK, asset_key=RAW_EVENTS, passed=passed, metadata=metadata, description=description,
    )


def stale_events_message(latest: dt.datetime, now: dt.datetime, max_age_hours: float) -> str:
    """One line for an export whose newest event is too old: when it was, the limit, and the as-of
    date that scores the export as of its last day (the freshness check then measures against the
    end of that day)."""
    age_hours = (now - latest).total_seconds() / 3600
    age = f"{age_hours:.1f} h" + (f" ({age_hours / 24:.1f} days)" if age_hours >= 48 else "")
    day = latest.date()
    message = (f"Newest event {latest:%Y-%m-%d %H:%M} UTC is {age} old on {now:%Y-%m-%d %H:%M} UTC, beyond the "
               f"{max_age_hours:g} h limit (LEAD_SCORING_FRESHNESS_HOURS). To score this export as of its last day, "
               f"run with LEAD_SCORING_AS_OF_DATE={day.isoformat()}")
    hours_before_day_end = (dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.timezone.utc) - latest).total_seconds() / 3600
    if hours_before_day_end > max_age_hours:  # a limit under a day: even the end of that day is too late
        message += f" and LEAD_SCORING_FRESHNESS_HOURS={math.ceil(hours_before_day_end)}"
    return message + "."


def rejected_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows of `table` the loader set aside in raw.load_rejects, pending or rejected (0 while no
    such table exists)."""
    if not table_exists(con, *REJECTS_TABLE.split(".")):
        return 0
    return scalar(con, "select count(*) from raw.load_rejects where table_name = ?", [table])


def reconciliation_result(asset_key: dg.AssetKey, rows_in_files: int, rows_loaded: int, rows_rejected: int,
                          mismatched_files: list[str] | None = None) -> dg.AssetCheckResult:
    difference = rows_in_files - rows_loaded - rows_rejected
    mismatched_files = mismatched_files or []
    passed = difference == 0 and not mismatched_files
    metadata: dict[str, object] = {"rows_in_files": rows_in_files, "rows_loaded": rows_loaded,
                                   "rows_rejected": rows_rejected, "unaccounted_rows": difference}
    if passed:
        description = f"{rows_in_files:,} rows in files = {rows_loaded:,} loaded + {rows_rejected:,} pending or rejected"
    else:
        description = (f"{difference:,} rows unaccounted for: {rows_in_files:,} in files, "
                       f"{rows_loaded:,} loaded, {rows_rejected:,} pending or rejected.")
        if mismatched_files:
            metadata["mismatched_files"] = ", ".join(mismatched_files)
            description += f" Files that do not add up: {', '.join(mismatched_files[:5])}."
    return dg.AssetCheckResult(check_name=RECONCILIATION_CHECK, asset_key=asset_key, passed=passed,
                               metadata=metadata, description=description)


def raw_reconciliation_result(con: duckdb.DuckDBPyConnection, folder: Path, table: str) -> dg.AssetCheckResult:
    """Rows in the table's files in `folder` = their rows in raw.<table> + their rejects.

    Rows in the files are counted here, with the loader's own file readers. When the loader
    tracks which file each row came from (`_source_file`; it then keeps the rows of files that
    have left the folder), every file in the folder must add up; otherwise the whole table must.
    """
    key = raw_key(table)
    files = {
        path.relative_to(folder).as_posix(): count_file_rows(con, path)
        for path in find_table_files(folder, table)
    }
    columns = {name for name, _ in table_schema(con, table)}
    if "_source_file" not in columns:
        loaded_total = scalar(con, f"select count(*) from raw.{table}")
        return reconciliation_result(key, sum(files.values()), loaded_total, rejected_rows(con, table))
    loaded = dict(con.execute(f"select _source_file, count(*) from raw.{table} group by 1").fetchall())
    rejected: dict[str, int] = {}
    if table_exists(con, *REJECTS_TABLE.split(".")):
        rejected = dict(con.execute(
            "select file_path, count(*) from raw.load_rejects where table_name = ? group by 1", [table]
        ).fetchall())
    mismatched = [name for name, rows in files.items() if rows != loaded.get(name, 0) + rejected.get(name, 0)]
    return reconciliation_result(
        key, sum(files.values()), sum(loaded.get(name, 0) for name in files),
        sum(rejected.get(name, 0) for name in files), mismatched,
    )


# ---------------------------------------------------------------------------------------------
# Staging


def staging_events_result(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    staged = scalar(con, "select count(*) from staging.stg_raw__events")
    # Same key as the staging model: trimmed event_id, rows without one dropped.
    distinct_raw = scalar(con, "select count(distinct trim(event_id)) from raw.events where event_id is not null")
    raw_rows = scalar(con, "select count(*) from raw.events")
    return dg.AssetCheckResult(
        check_name=STAGING_EVENTS_CHECK, asset_key=STG_EVENTS, passed=staged == distinct_raw,
        metadata={"staging_rows": staged, "distinct_raw_event_ids": distinct_raw, "raw_rows": raw_rows,
                  "duplicate_deliveries_removed": raw_rows - staged},
        description=f"{staged:,} staged events for {distinct_raw:,} distinct raw event_ids "
        f"({raw_rows - staged:,} repeated deliveries or rows without id removed).",
    )


def warehouse_check(result: Callable[[duckdb.DuckDBPyConnection], dg.AssetCheckResult], **check) -> dg.AssetChecksDefinition:
    """A check that reads the warehouse (read-only, in the warehouse pool) and returns what
    `result` makes of it; `check` is the rest of dg.asset_check's arguments."""

    @dg.asset_check(pool=WAREHOUSE_POOL, **check)
    def evaluate(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            return result(con)

    return evaluate


staging_events_match_raw = warehouse_check(
    staging_events_result,
    asset=STG_EVENTS,
    name=STAGING_EVENTS_CHECK,
    additional_deps=[RAW_EVENTS],
    blocking=True,
    description="Staging keeps exactly one row per distinct raw event_id: de-duplication neither "
    "drops nor duplicates events.",
)


# ---------------------------------------------------------------------------------------------
# Marts: warnings for the people who tune the scoring rules


@dataclass(frozen=True)
class Benchmarks:
    """The ranges of seeds.funnel_benchmarks the check judges with: lead→MQL rate (in order) typical
    and alarm bounds (a share), days to MQL typical range."""

    mql_rate_low: float
    mql_rate_high: float
    mql_rate_too_strict: float | None
    mql_rate_too_loose: float | None
    days_to_mql_low: float
    days_to_mql_high: float

    @classmethod
    def from_warehouse(cls, con: duckdb.DuckDBPyConnection) -> "Benchmarks":
        rows = {metric: values for metric, *values in con.execute(
            "select metric, typical_min, typical_max, alarm_below, alarm_above from seeds.funnel_benchmarks "
            "where metric in ('lead_to_mql_rate', 'lead_to_mql_days')").fetchall()}
        missing = {"lead_to_mql_rate", "lead_to_mql_days"} - set(rows)
        if missing:
            raise ValueError(f"seeds.funnel_benchmarks has no row for {', '.join(sorted(missing))}")
        rate, days = rows["lead_to_mql_rate"], rows["lead_to_mql_days"]
        return cls(rate[0], rate[1], rate[2], rate[3], days[0], days[1])


def _pct(share: float) -> str:
    return f"{100 * share:g} %"


def benchmark_health_result(con: duckdb.DuckDBPyConnection) -> dg.AssetCheckResult:
    """The primary model's lead→MQL rate (in order) and days to MQL over the whole history, as
    mart_mql_measures has them, against the seed's ranges."""
    benchmarks = Benchmarks.from_warehouse(con)
    measures = {measure: (label, value) for measure, label, value in con.execute(
        """
        select measure, label, value from marts.mart_mql_measures
        where is_primary_model and slice_name = 'all' and measure in ('leads', 'mql_leads', 'lead_to_mql_rate', 'median_days_to_mql')
        """
    ).fetchall()}
    leads = int(measures.get("leads", ("", 0))[1] or 0)
    rate_label, rate = measures.get("lead_to_mql_rate", ("lead→MQL rate", None))
    days_label, median_days = measures.get("median_days_to_mql", ("days to MQL", None))
    problems: list[str] = []
    notes: list[str] = []
    if not leads:
        problems.append("the primary scoring model scored no leads")
    elif benchmarks.mql_rate_too_strict is not None and rate < benchmarks.mql_rate_too_strict:
        problems.append(f"{rate_label} {rate:.1%} is below {_pct(benchmarks.mql_rate_too_strict)}: MQL criteria too strict")
    elif benchmarks.mql_rate_too_loose is not None and rate > benchmarks.mql_rate_too_loose:
        problems.append(f"{rate_label} {rate:.1%} is above {_pct(benchmarks.mql_rate_too_loose)}: MQL criteria too loose")
    elif rate < benchmarks.mql_rate_low:
        notes.append(f"{rate_label} {rate:.1%} is below the usual {_pct(benchmarks.mql_rate_low)}")
    elif rate > benchmarks.mql_rate_high:
        notes.append(f"{rate_label} {rate:.1%} is above the usual {_pct(benchmarks.mql_rate_high)} but tolerable")
    else:
        notes.append(f"{rate_label} {rate:.1%}")
    if median_days is not None:
        if median_days < benchmarks.days_to_mql_low:
            problems.append(f"{days_label} {median_days:.1f} is under {benchmarks.days_to_mql_low:g}: "
                            "leads qualify on their first touches")
        elif median_days > benchmarks.days_to_mql_high:
            problems.append(f"{days_label} {median_days:.1f} is over {benchmarks.days_to_mql_high:g}: "
                            "hand-over comes late")
        else:
            notes.append(f"{days_label} {median_days:.1f}")
    return dg.AssetCheckResult(
        check_name=HEALTH_CHECK, asset_key=MART_MQL_MEASURES, passed=not problems,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "leads": leads, "mql_leads": int(measures.get("mql_leads", ("", 0))[1] or 0),
            "lead_to_mql_rate": round(rate, 4) if rate is not None else None,
            "median_days_to_mql": median_days,
            "benchmark_mql_rate": f"{benchmarks.mql_rate_low * 100:g}-{benchmarks.mql_rate_high * 100:g} %",
            "benchmark_days_to_mql": f"{benchmarks.days_to_mql_low:g}-{benchmarks.days_to_mql_high:g}",
        },
        description=_sentence("; ".join(problems or notes)),
    )


benchmark_health = warehouse_check(
    benchmark_health_result,
    asset=MART_MQL_MEASURES,
    name=HEALTH_CHECK,
    additional_deps=[SEED_BENCHMARKS],
    description="Warns when the primary model's lead→MQL rate (in order) passes an alarm bound of seeds/funnel_benchmarks.csv "
    "(criteria too strict / too loose) or its median days to MQL is outside the seed's typical range.",
)


def score_band_shares(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    rows = con.execute(
        "select score_band, count(*) from marts.mart_lead_scores_current where is_primary_model group by 1"
    ).fetchall()
    total = sum(n for _, n in rows)
    shares = {band: 0.0 for band in SCORE_BANDS}
    for band, n in rows:
        shares[str(band)] = round(n / total, 4) if total else 0.0
    return shares


def drift_result(current: Mapping[str, float], previous: Mapping[str, float] | None,
                 max_shift: float = MAX_BAND_SHIFT) -> dg.AssetCheckResult:
    metadata: dict[str, object] = {
        "band_shares": dg.MetadataValue.json(dict(current)),
        **{f"share_{band}": share for band, share in current.items()},
    }
    if previous is None:
        return dg.AssetCheckResult(
            check_name=DRIFT_CHECK, asset_key=MART_CURRENT, passed=True, severity=dg.AssetCheckSeverity.WARN,
            metadata=metadata, description="First run: no previous score distribution to compare with; shares recorded.",
        )
    shifts = {band: current.get(band, 0.0) - previous.get(band, 0.0) for band in sorted({*current, *previous})}
    band, shift = max(shifts.items(), key=lambda item: abs(item[1]))
    passed = abs(shift) <= max_shift
    metadata |= {
        "previous_band_shares": dg.MetadataValue.json(dict(previous)),
        "largest_shift_pp": round(shift * 100, 1),
    }
    return dg.AssetCheckResult(
        check_name=DRIFT_CHECK, asset_key=MART_CURRENT, passed=passed, severity=dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=f"Largest move: '{band}' {previous.get(band, 0.0):.1%} → {current.get(band, 0.0):.1%} "
        f"({shift * 100:+.1f} pp; limit ±{max_shift * 100:g} pp).",
    )


def previous_band_shares(instance: dg.DagsterInstance, current_run_id: str) -> dict[str, float] | None:
    """Band shares recorded by the latest finished evaluation of the drift check in another run."""
    from dagster._core.storage.asset_check_execution_record import COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES

    records = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(MART_CURRENT, DRIFT_CHECK), limit=10, status=COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES
    )
    for record in records:
        if record.run_id == current_run_id or record.event is None or record.event.dagster_event is None:
            continue
        shares = record.event.dagster_event.event_specific_data.metadata.get("band_shares")
        if shares is not None:
            value = shares.value
            return dict(json.loads(value) if isinstance(value, str) else value)
    return None


@dg.asset_check(
    asset=MART_CURRENT,
    name=DRIFT_CHECK,
    pool=WAREHOUSE_POOL,
    description=f"Warns when the share of leads in a score band ({' / '.join(SCORE_BANDS)}) of the primary "
    f"model moves by more than {MAX_BAND_SHIFT * 100:g} percentage points since the previous run.",
)
def score_band_drift(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        current = score_band_shares(con)
    return drift_result(current, previous_band_shares(context.instance, context.run.run_id))


def custom_checks(dbt_asset_keys: set[dg.AssetKey] | frozenset[dg.AssetKey]) -> list[dg.AssetChecksDefinition]:
    """The stand-alone checks whose asset exists in the dbt project (the marts arrive later);
    staging against raw events only when the raw tables are the source (LEAD_SCORING_SOURCE)."""
    checks = [staging_events_match_raw] if lead_source() == "native" else []
    if MART_MQL_MEASURES in dbt_asset_keys:
        checks.append(benchmark_health)
    if MART_CURRENT in dbt_asset_keys:
        checks.append(score_band_drift)
    return checks
