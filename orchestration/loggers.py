"""The Dagster logger that feeds the command line's progress display (lead_scoring/progress.py)."""

from __future__ import annotations

import logging

import dagster as dg

from lead_scoring.progress import report


class _StepStarts(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)  # Dagster's structured event, when the record is one
        if event is not None and event.event_type_value == "STEP_START":
            report("step", f"{event.step_key} started")


def step_start_logger():
    """A Dagster logger that reports each step as it starts (waits for the warehouse pool, checks and
    Dagster's own work between the stages would otherwise show nothing). Only runs whose run config
    names it (the command line's) use it."""
    @dg.logger(description="Reports each step's start to the command line's progress display.")
    def progress_logger(_init_context) -> logging.Logger:
        logger = logging.Logger("lead_scoring.progress", level=logging.DEBUG)  # step starts are DEBUG events
        logger.addHandler(_StepStarts())
        return logger

    return progress_logger
