"""The BI file: published only after everything upstream (raw checks, dbt build and its tests)
succeeded in the same run; a failed or blocked run skips this step and the old file stays."""

from pathlib import Path

import dagster as dg

from lead_scoring import progress
from lead_scoring.bi_publication import bi_path, publish
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

BI_GROUP = "bi"
BI_FILE_KEY = dg.AssetKey(["bi", "bi_file"])


def build_bi_publication(upstream: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The publication asset, downstream of every asset of `upstream` (the dbt build)."""

    @dg.asset(
        key=BI_FILE_KEY,
        group_name=BI_GROUP,
        deps=[upstream],
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="bi.duckdb: the checked marts and the lifecycle snapshot for BI tools, replaced atomically (write-audit-publish).",
    )
    def bi_file(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        source = Path(warehouse.path)
        target = bi_path(source)
        progress.report("BI file", f"publishing {target}")
        publication = publish(source, target, run_id=context.run.run_id)
        progress.report("BI file", f"published {len(publication.row_counts)} tables", last=True)
        context.log.info(f"Published {len(publication.row_counts)} tables to {target}")
        return dg.MaterializeResult(
            metadata={
                "path": str(target),
                "published_at": publication.published_at.isoformat(),
                "personal_data": publication.personal_data,
                # Which key hashed the personal data (an id, not the key); none when published raw.
                "personal_data_key_id": publication.personal_data_key_id or "",
                "tables": dg.TableMetadataValue(
                    records=[dg.TableRecord({"table": t, "rows": n}) for t, n in sorted(publication.row_counts.items())],
                    schema=dg.TableSchema(columns=[dg.TableColumn("table", "string"), dg.TableColumn("rows", "int")]),
                ),
                "dagster/row_count": sum(publication.row_counts.values()),
            }
        )

    return bi_file


def _default_bi_file() -> dg.AssetsDefinition:
    from orchestration.assets.dbt import lead_scoring_dbt_assets

    return build_bi_publication(lead_scoring_dbt_assets)


bi_file = _default_bi_file()
