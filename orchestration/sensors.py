"""Start the daily job when a new set of raw files lands, once per file set.

The sensor watches LEAD_SCORING_LANDING_DIR (default: LEAD_SCORING_RAW_DIR), the folder layout
the loader reads (`<table>/*.csv|parquet` or `<table>.csv|parquet` for leads, events and
opportunities). Either variable set but blank fails the tick with a message naming it; a folder
that does not exist yet is waited for. A file set is identified by its fingerprint: every file's
relative path, size and modification time. The fingerprint is the sensor's cursor and the run
key, so a file set starts exactly one run, even if the cursor is lost. The run loads that folder
(run tag lead_scoring/raw_dir). A set that is incomplete or was modified in the last minute is
left for a later tick, so a run never starts on a half-copied export.
"""

import hashlib
import time
from pathlib import Path

import dagster as dg

from lead_scoring import run_options
from lead_scoring.ingest.raw_loader import RawDataError, discover
from orchestration.jobs import daily_lead_scoring_job

LANDING_SENSOR_NAME = "new_raw_files_sensor"
SETTLE_SECONDS = 60
CHECK_INTERVAL_SECONDS = 60


def landed_files(folder: Path) -> list[Path]:
    """The files the loader would read; RawDataError names the table that is still missing."""
    return [path for paths in discover(folder).tables.values() for path in paths]


def fingerprint(folder: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        stat = path.stat()
        digest.update(f"{path.relative_to(folder)}\t{stat.st_size}\t{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


@dg.sensor(
    name=LANDING_SENSOR_NAME,
    job=daily_lead_scoring_job,
    minimum_interval_seconds=CHECK_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs the daily job once for every new set of raw files in LEAD_SCORING_LANDING_DIR "
    "(default LEAD_SCORING_RAW_DIR).",
)
def new_raw_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    folder = run_options.landing_dir()
    if folder is None:
        return dg.SkipReason("No landing folder: set LEAD_SCORING_LANDING_DIR or LEAD_SCORING_RAW_DIR.")
    if not folder.is_dir():
        return dg.SkipReason(f"Landing folder {folder} does not exist.")
    try:
        files = landed_files(folder)
    except RawDataError as exc:
        return dg.SkipReason(f"Waiting for a complete file set: {exc}")
    key = fingerprint(folder, files)
    if key == context.cursor:
        return dg.SkipReason(f"No new files in {folder} (file set {key}).")
    newest_change = max(path.stat().st_mtime for path in files)
    if time.time() - newest_change < SETTLE_SECONDS:
        return dg.SkipReason(f"Files in {folder} changed less than {SETTLE_SECONDS} s ago; waiting until the copy is complete.")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=key,
                tags={run_options.RAW_DIR_TAG: str(folder), run_options.TRIGGER_TAG: f"new files {key}"},
            )
        ],
        cursor=key,
    )
