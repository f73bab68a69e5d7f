"""Lead scoring's plain Python: loading raw files (`ingest`), sample data, the BI publication, the
summary, settings and the command line. Nothing here imports Dagster; the Dagster code location
(`orchestration/`) calls into this package."""
