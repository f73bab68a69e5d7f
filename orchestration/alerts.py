"""Failure alerting: a run-failure sensor that logs what went wrong and can post it to a webhook.

The summary names the job, the run, the failed steps, the failed checks and the first error, so
someone glancing at a chat message knows whether it is stale data, bad data or a broken model.
Set LEAD_SCORING_ALERT_WEBHOOK_URL to receive it as JSON (`text` holds the readable summary, the
field Slack and most chat webhooks display). Posting never raises: a broken webhook must not hide
the failure it reports. LEAD_SCORING_UI_URL (default http://127.0.0.1:3000) is used for the link.
"""

import json
import os
import re
import urllib.request
from dataclasses import asdict, dataclass, field

import dagster as dg

WEBHOOK_ENV = "LEAD_SCORING_ALERT_WEBHOOK_URL"
UI_URL_ENV = "LEAD_SCORING_UI_URL"
FAILURE_SENSOR_NAME = "run_failure_alert"
WEBHOOK_TIMEOUT_SECONDS = 10
MAX_ERROR_CHARS = 1000
MAX_REASON_CHARS = 500
# dagster-dbt appends dbt's error messages to its error under this heading.
DBT_ERRORS_HEADING = "Errors parsed from dbt logs:"
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class FailureSummary:
    job: str
    run_id: str
    run_url: str
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    steps_not_run: list[str] = field(default_factory=list)
    error: str = ""
    # For a terminal: each failed blocking check with its description, each failed step with the
    # reason of its error in one line.
    blocking_checks: list[str] = field(default_factory=list)
    step_reasons: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        lines = [f"Dagster run of {self.job} FAILED (run {self.run_id})."]
        if self.failed_steps:
            lines.append(f"Failed steps: {', '.join(self.failed_steps)}")
        if self.failed_checks:
            lines.append("Failed checks:\n" + "\n".join(f"  - {c}" for c in self.failed_checks))
        if self.steps_not_run:
            lines.append(f"Not run because of the failure: {', '.join(self.steps_not_run)}")
        if self.error:
            lines.append(f"First error: {self.error}")
        lines.append(f"Details: {self.run_url}")
        return "\n".join(lines)

    def payload(self) -> dict:
        return {"text": self.text, "status": "FAILURE", **asdict(self)}


def summarise_failed_run(instance: dg.DagsterInstance, run: dg.DagsterRun) -> FailureSummary:
    ui_url = os.environ.get(UI_URL_ENV, "http://127.0.0.1:3000").rstrip("/")
    summary = FailureSummary(job=run.job_name, run_id=run.run_id, run_url=f"{ui_url}/runs/{run.run_id}")
    started: set[str] = set()
    for record in instance.all_logs(run.run_id):
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            started.add(event.step_key)
        elif event.event_type == dg.DagsterEventType.STEP_FAILURE:
            summary.failed_steps.append(event.step_key)
            error = event.step_failure_data.error
            if error is not None and not summary.error:
                summary.error = error.message.strip()[:MAX_ERROR_CHARS]
            summary.step_reasons[event.step_key] = error_reason(error) if error is not None else "failed"
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                name = f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}"
                text = f"{name} ({evaluation.severity.value})"
                if evaluation.description:
                    text += f": {evaluation.description}"
                summary.failed_checks.append(text)
                if evaluation.severity == dg.AssetCheckSeverity.ERROR:
                    summary.blocking_checks.append(f"{name}: {evaluation.description or _failed_rows(evaluation)}")
        elif event.event_type == dg.DagsterEventType.RUN_FAILURE and not summary.error and event.message:
            summary.error = event.message.strip()[:MAX_ERROR_CHARS]
    # Steps downstream of a failure are abandoned without an event of their own: planned, never started.
    plan = instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id) if run.execution_plan_snapshot_id else None
    if plan is not None:
        summary.steps_not_run = [step.key for step in plan.steps if step.key not in started]
    return summary


def error_reason(error) -> str:
    """The reason of a step's error in one line, without the stack trace: the error that the
    step's code raised (not Dagster's wrapper around it), and for a failed dbt command the first
    error dbt reported."""
    while error.cause is not None and error.cls_name.startswith("Dagster") and error.cls_name != "DagsterDbtCliRuntimeError":
        error = error.cause
    message = ANSI_ESCAPE.sub("", error.message).strip()  # dbt colours its log lines
    name, _, rest = message.partition(": ")
    if name.rsplit(".", 1)[-1] == error.cls_name:
        # Dagster's own errors read as sentences; other classes say what kind of error it is.
        message = rest if error.cls_name.startswith("Dagster") else f"{error.cls_name}: {rest}"
    if DBT_ERRORS_HEADING in message:
        dbt_errors = [line.strip() for line in message.split(DBT_ERRORS_HEADING, 1)[1].splitlines() if line.strip()]
        return "dbt failed: " + (dbt_errors[0] if dbt_errors else "see the log")
    lines = [line.strip() for line in message.splitlines() if line.strip()] or [error.cls_name]
    reason = lines[0]
    if reason.endswith(":") and len(lines) > 1:  # "... failed with ERROR severity:" + what failed
        reason += " " + lines[1] + (f" (and {len(lines) - 2} more)" if len(lines) > 2 else "")
    return reason[:MAX_REASON_CHARS]


def _failed_rows(evaluation) -> str:
    rows = evaluation.metadata.get("dagster_dbt/failed_row_count")
    if rows is None:
        return "failed"
    return f"{rows.value} row fails the test" if rows.value == 1 else f"{rows.value} rows fail the test"


def post_webhook(url: str, payload: dict, log) -> bool:
    """POST the payload as JSON; log and return False on any problem instead of raising."""
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read()
        return True
    except Exception as exc:
        log.warning(f"Could not post the failure alert to the webhook: {exc}")
        return False


@dg.run_failure_sensor(
    name=FAILURE_SENSOR_NAME,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Logs a summary of every failed run (steps, checks, first error) and posts it to "
    "LEAD_SCORING_ALERT_WEBHOOK_URL when that is set.",
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    summary = summarise_failed_run(context.instance, context.dagster_run)
    context.log.error(summary.text)
    url = os.environ.get(WEBHOOK_ENV)
    if url and post_webhook(url, summary.payload(), context.log):
        context.log.info("Failure alert posted to the webhook.")
