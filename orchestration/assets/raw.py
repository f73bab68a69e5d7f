"""Raw ingestion: the `raw` schema tables that the dbt sources read.

Data comes from the folder named by LEAD_SCORING_RAW_DIR, or, when it is unset, from the built-in
sample generator, which writes files that go through the very same loader.
"""


import dagster as dg

from orchestration import settings
from orchestration.raw_loader import load_contract, load_raw_folder, table_schema
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.sample_data import generate

RAW_GROUP = "raw"


def _raw_spec(table: str, columns) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=dg.AssetKey([settings.RAW_SCHEMA, table]),
        group_name=RAW_GROUP,
        description=f"raw.{table}: loaded under the raw data contract.",
        kinds={"duckdb"},
        metadata={
            "dagster/column_schema": dg.TableSchema(
                columns=[dg.TableColumn(c.name, c.logical_type, description=c.description) for c in columns]
            )
        },
    )


RAW_SPECS = [_raw_spec(table, columns) for table, columns in load_contract().items()]


@dg.multi_asset(specs=RAW_SPECS, pool=WAREHOUSE_POOL, name="raw_tables")
def raw_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Load every raw table in one transaction, from the user's folder or generated sample data."""
    folder = settings.raw_dir()
    if folder is None:
        sample = settings.SampleSettings.from_env()
        folder = settings.sample_dir()
        context.log.info(f"LEAD_SCORING_RAW_DIR is not set: generating sample data {sample} in {folder}")
        generate(folder, n_leads=sample.leads, days=sample.days, seed=sample.seed, end_date=sample.end_date)
        origin = f"sample (leads={sample.leads}, days={sample.days}, seed={sample.seed}, end={sample.end_date})"
    else:
        origin = f"folder {folder}"

    with warehouse.connect() as con:
        counts = load_raw_folder(con, folder)
        schemas = {table: table_schema(con, table) for table in counts}

    for table, rows in counts.items():
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey([settings.RAW_SCHEMA, table]),
            metadata={
                "dagster/row_count": rows,
                "source": origin,
                "dagster/column_schema": dg.TableSchema(
                    columns=[dg.TableColumn(name, dtype) for name, dtype in schemas[table]]
                ),
            },
        )
