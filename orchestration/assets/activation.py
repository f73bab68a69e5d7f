"""Delivery of the day's due activations to their destinations (outbox files, webhooks), after the
BI file: only a run whose build and checks all passed delivers, and it delivers what was checked.

The delivery itself is lead_scoring/activation_delivery.py. A failed webhook post does not undo
what was delivered: the step materializes (with the counts) and then fails, so the run-failure
alert says how many activations are waiting and where; they are retried by the next run.
"""

from pathlib import Path

import dagster as dg

from lead_scoring import progress, settings
from lead_scoring.activation_delivery import SOURCE, DeliveryResult, deliver, failure_message
from lead_scoring.activation_log_export import export_delivery_log
from lead_scoring.bi_publication import bi_path
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

ACTIVATION_GROUP = "activation"
ACTIVATION_DELIVERIES_KEY = dg.AssetKey(["activation", "deliveries"])
COUNT_COLUMNS = ("delivered", "recovered", "failed", "skipped", "already_delivered")


def _metadata(result: DeliveryResult) -> dict:
    records = [
        dg.TableRecord({"destination": c.destination, "channel": c.channel, **{name: getattr(c, name) for name in COUNT_COLUMNS},
                        "files": ", ".join(p.name for p in c.files)})
        for _, c in sorted(result.counts.items())
    ]
    columns = [dg.TableColumn("destination", "string"), dg.TableColumn("channel", "string"),
               *(dg.TableColumn(name, "int") for name in COUNT_COLUMNS), dg.TableColumn("files", "string")]
    return {
        "outbox": str(result.outbox),
        "source_found": result.source_found,
        "delivered": result.delivered,
        "failed": len(result.failures),
        "counts": dg.TableMetadataValue(records=records, schema=dg.TableSchema(columns=columns)),
        "files": [str(p) for p in result.files],
    }


def build_activation_deliveries(upstream: dg.AssetKey) -> dg.AssetsDefinition:
    """The delivery asset, downstream of `upstream` (the BI file)."""

    @dg.asset(
        key=ACTIVATION_DELIVERIES_KEY,
        group_name=ACTIVATION_GROUP,
        deps=[upstream],
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description="Due activations of marts.fct_lead_activations delivered once per destination and channel: "
        "outbox files (JSON Lines and CSV) and webhooks, logged in activation.delivery_log.",
    )
    def deliveries(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        outbox = settings.outbox_dir(Path(warehouse.path))
        progress.report("activations", f"delivering to {outbox}")
        with warehouse.connect() as con:
            result = deliver(con, run_id=context.run.run_id, outbox=outbox)
            # The BI file was published before this step: the dashboard reads the log beside it.
            export_delivery_log(con, bi_path(Path(warehouse.path)))
        if not result.source_found:
            message = f"{SOURCE} does not exist in this warehouse: nothing delivered"
        else:
            message = f"{result.delivered} delivered, {len(result.failures)} not delivered"
        progress.report("activations", message, last=True)
        context.log.info(message)
        for failure in result.failures:
            context.log.warning(f"{failure.activation_id} to {failure.destination} ({failure.channel}): {failure.reason}")
        # Materialized first: what was delivered is recorded even when the step then fails.
        yield dg.MaterializeResult(metadata=_metadata(result))
        if result.failures:
            raise dg.Failure(description=failure_message(result), metadata={"failed": len(result.failures)}, allow_retries=False)

    return deliveries


def _default_activation_deliveries() -> dg.AssetsDefinition:
    from orchestration.assets.bi import BI_FILE_KEY

    return build_activation_deliveries(BI_FILE_KEY)


activation_deliveries = _default_activation_deliveries()
