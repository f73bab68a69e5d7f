"""The raw tables the pandas and Polars references start from, read from the warehouse as Arrow
(plain reads: every transformation happens in the reference itself)."""

from __future__ import annotations

import duckdb
import pyarrow as pa

EVENT_COLUMNS = "event_id, lead_id, event_type, occurred_at, received_at, properties"


def read_raw(con: duckdb.DuckDBPyConnection, raw_schema: str = "raw", batch: int = 0, batches: int = 1) -> dict[str, pa.Table]:
    """raw.leads and the columns of raw.events that scoring reads.

    With `batches` > 1, only the leads (and their events) of one of that many hash buckets of the
    trimmed lead id: scoring is per lead, so batches are independent, and one batch of a 1M-lead
    export fits in memory where the whole may not (20M JSON texts as Python objects in pandas)."""
    where = "" if batches == 1 else f" where hash(trim(lead_id)) % {batches} = {batch}"
    return {
        "leads": con.sql(f"select * from {raw_schema}.leads{where}").to_arrow_table(),
        "events": con.sql(f"select {EVENT_COLUMNS} from {raw_schema}.events{where}").to_arrow_table(),
    }
