"""Raw ingestion: the `raw` schema tables that the dbt sources read.

Data comes from the folder named by the run tag lead_scoring/raw_dir or LEAD_SCORING_RAW_DIR, or,
only when sample data is asked for (run tag lead_scoring/sample_data or LEAD_SCORING_SAMPLE_DATA),
from the built-in sample generator, which writes files that go through the very same loader.
Without either, or with a blank or missing folder, the step fails with a message naming the
setting and nothing is loaded (run_options.raw_source). The step also evaluates the blocking
freshness and reconciliation checks (see orchestration/checks.py for why they live here).

With a CRM source (LEAD_SCORING_SOURCE, docs/crm-sources.md) the connector has landed the tables:
the step loads no files, it reports the rows of every table dbt reads (warning about missing ones);
with sample data it first writes the sample in the CRM's shape where the connector would
(lead_scoring/crm_shapes.py). Those tables are the step's assets, keyed like dbt's sources.
"""


import dagster as dg

from lead_scoring import progress, run_options, settings
from lead_scoring.dbt_definitions import crm_source_tables, load_contract
from lead_scoring.ingest.raw_loader import (
    load_landing_folder,
    pending_rows,
    raise_for_failed_files,
    raw_row_counts,
    table_schema,
)
from lead_scoring.warehouse import scalar, table_exists
from orchestration.assets.rules import SCORING_RULES_KEY
from orchestration.checks import freshness_result, pending_result, raw_check_specs, raw_key, raw_reconciliation_result
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

RAW_GROUP = "raw"


def _raw_spec(table: str, columns) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=raw_key(table),
        group_name=RAW_GROUP,
        # Loaded only after the scoring rules passed their check (orchestration/assets/rules.py).
        deps=[SCORING_RULES_KEY],
        description=f"raw.{table}: loaded under the raw data contract.",
        kinds={"duckdb"},
        metadata={
            "dagster/column_schema": dg.TableSchema(
                columns=[dg.TableColumn(c.name, c.logical_type, description=c.description) for c in columns]
            )
        },
    )


RAW_SPECS = [_raw_spec(table, columns) for table, columns in load_contract().items()]


@dg.multi_asset(
    specs=RAW_SPECS,
    check_specs=raw_check_specs([spec.key for spec in RAW_SPECS]),
    pool=WAREHOUSE_POOL,
    name="raw_tables",
)
def raw_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Load the raw files, from the user's folder or requested sample data, and check the result."""
    tags = context.run.tags
    try:
        source = run_options.raw_source(tags)
    except settings.RawSourceError as exc:
        # The message is the whole story (which setting, how to fix it): no stack trace.
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    folder = source.prepare(context.log.info)
    origin = source.describe()

    with warehouse.connect() as con:
        report = load_landing_folder(con, folder, on_file=progress.report_file_loaded)
        # Skipped and failed files, and rows that waited and loaded now, are named in the run's log.
        for note in report.notes():
            context.log.warning(note)
        raise_for_failed_files(report)
        counts = raw_row_counts(con)
        schemas = {table: table_schema(con, table) for table in counts}
        reconciliations = {table: raw_reconciliation_result(con, folder, table) for table in counts}
        freshness = freshness_result(con, run_options.reference_time(tags), run_options.freshness_max_age_hours())
        max_age = settings.pending_max_age_days()
        pending = {p.table: p for p in pending_rows(con, report.loaded_at, max_age)}

    for table, rows in counts.items():
        yield dg.MaterializeResult(
            asset_key=raw_key(table),
            metadata={
                "dagster/row_count": rows,
                "rows_in_files": reconciliations[table].metadata["rows_in_files"],
                "rows_pending": pending[table].rows if table in pending else 0,
                "files_skipped": len(report.for_status("skipped")),
                "source": origin,
                "dagster/column_schema": dg.TableSchema(
                    columns=[dg.TableColumn(name, dtype) for name, dtype in schemas[table]]
                ),
            },
        )
    # A failed blocking check fails this step after the results are recorded, and Dagster then
    # skips every downstream step: dbt does not build on stale or unreconciled raw data.
    yield from reconciliations.values()
    yield from (pending_result(p, max_age) for p in pending.values())
    yield freshness


def _crm_spec(source: str, table: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=dg.AssetKey([source, table]),
        group_name=RAW_GROUP,
        deps=[SCORING_RULES_KEY],
        description=f"{source}.{table}: landed in the warehouse by the {source} connector (or sample data in its shape).",
        kinds={"duckdb"},
    )


def build_crm_tables(crm: str) -> dg.AssetsDefinition:
    """The ingestion step of a CRM source: sample data written in its shape when asked for, then
    the rows of every table dbt reads (a table not found under its default name is a warning)."""
    tables = crm_source_tables(crm)

    @dg.multi_asset(specs=[_crm_spec(source, table) for source, table in tables], pool=WAREHOUSE_POOL, name="crm_tables")
    def crm_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        from lead_scoring.crm_shapes import write_shape

        try:
            source = run_options.raw_source(context.run.tags)
        except settings.RawSourceError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None
        folder = source.prepare(context.log.info)
        with warehouse.connect() as con:
            if folder is not None:
                write_shape(con, crm, folder, settings.crm_schema(crm))
            counts = {(schema_of, table): scalar(con, f'select count(*) from "{settings.crm_schema(schema_of)}"."{table}"')
                      if table_exists(con, settings.crm_schema(schema_of), table) else None
                      for schema_of, table in tables}
        missing = [f"{settings.crm_schema(name)}.{table}" for (name, table), rows in counts.items() if rows is None]
        if missing:
            # dbt's build names the table it cannot read; renamed tables (the identifier vars) are
            # not seen here under their default names. Optional tables (Pardot's) are only missing.
            context.log.warning(
                f"Not in the warehouse under their default names: {', '.join(missing)}. Let the "
                f"{crm} connector land them (docs/crm-sources.md), or set the dbt vars "
                f"lead_scoring_<source>_<table>_identifier when it names them otherwise.")
        for (name, table), rows in counts.items():
            metadata = {"source": source.describe()} | ({"dagster/row_count": rows} if rows is not None else {})
            yield dg.MaterializeResult(asset_key=dg.AssetKey([name, table]), metadata=metadata)

    return crm_tables


def ingestion_assets() -> dg.AssetsDefinition:
    """The ingestion step of the configured source: raw_tables, or crm_tables for a CRM."""
    crm = settings.lead_source()
    return raw_tables if crm == "native" else build_crm_tables(crm)
