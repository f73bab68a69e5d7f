"""Delivery of due activations (marts.fct_lead_activations, and marts.fct_account_activations for
rules that target accounts) to each destination, exactly once.

Every delivery attempt is logged in activation.delivery_log (history, never rewritten): a 'pending'
row before the attempt, then a 'delivered' or 'failed' row of the same attempt number. An activation
is due on a channel while it is deliverable and has no 'delivered' row for (activation_id,
destination, channel).

Outbox (every destination): one JSON Lines and one CSV file per run and destination,
`<outbox>/<destination>/<as_of_date>_<run_id>.jsonl|.csv`, with the contract's columns in its order.
Account activations have columns of their own (ACCOUNT_COLUMNS), so they go to files of their own,
`<outbox>/<destination>/accounts/<as_of_date>_<run_id>.jsonl|.csv`; their payload adds the emails of
the account's most engaged leads, read from staging when sent (no mart holds personal data).
The 'pending' rows (naming the file) are committed first, then each file is written aside and
renamed into place, then the rows are marked delivered. A run that dies in between leaves pending
rows, which the next run settles before anything else: a file that exists is kept as it is (never
a second file with the same activation), a missing one is written under the recorded name from the
warehouse's current rows.

Webhook (a destination whose LEAD_SCORING_WEBHOOK_<DESTINATION> is set): one POST per activation,
its JSON as in the JSON Lines file, with `Idempotency-Key: <activation_id>`. 2xx is delivered;
any other answer, a timeout or a connection error is a failed attempt, retried by the next run.
After a timeout or a connection error the destination gets no more posts in that run (each would
hold the warehouse for the whole timeout); those activations are skipped and wait for the next run.
A post whose outcome a killed run never logged is posted again with the same key: a receiver that
honours Idempotency-Key sees it once, others may see it twice.

LEAD_SCORING_DELIVERY_CRASH_AT (tests only) kills the process with SIGKILL at one of CRASH_POINTS,
so the tests can show that a run killed there delivers nothing twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import http.client
import io
import json
import os
import re
import signal
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from lead_scoring import settings
from lead_scoring.warehouse import fsync_path, table_exists

SOURCE_SCHEMA, SOURCE_TABLE = "marts", "fct_lead_activations"
SOURCE = f"{SOURCE_SCHEMA}.{SOURCE_TABLE}"
ACCOUNT_SOURCE_TABLE = "fct_account_activations"  # optional: a warehouse built before account rules has none
LEADS_SCHEMA, LEADS_TABLE = "staging", "stg_raw__leads"
LOG_SCHEMA, LOG_TABLE = "activation", "delivery_log"
LOG = f"{LOG_SCHEMA}.{LOG_TABLE}"
OUTBOX, WEBHOOK = "outbox", "webhook"
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
# The contract's columns, in the order of every file and payload.
COLUMNS = (
    "activation_id", "action_id", "model_id", "lead_id", "destination", "trigger_on", "due_at", "due_date",
    "mql_episode", "lifecycle_stage", "total_score", "score_band", "fit_grade", "top_reasons",
    "triggering_event_id", "triggering_event_type", "triggering_event_at", "sales_owner", "is_deliverable", "as_of_date",
)
# An account activation's columns: fct_account_activations' (is_primary_model aside), and the emails
# of its top engaged leads (in the order of top_engaged_lead_ids), added when it is sent.
ACCOUNT_COLUMNS = (
    "activation_id", "action_id", "model_id", "account_id", "account_name", "account_domain", "destination", "trigger_on",
    "due_at", "due_date", "mqa_episode", "account_score", "is_mqa", "is_engaged_account", "engaged_leads", "leads_count",
    "top_engaged_lead_ids", "top_engaged_lead_emails", "is_deliverable", "as_of_date",
)
ACCOUNT_FOLDER = "accounts"  # the account files' subfolder of a destination's outbox folder
CRASH_VAR = "LEAD_SCORING_DELIVERY_CRASH_AT"
CRASH_POINTS = ("after_outbox_pending", "after_outbox_write", "after_webhook_post")
MAX_REASON_CHARS = 300

# The delivery log's columns and types, in order (lead_scoring/activation_log_export.py copies the
# same columns beside the BI file for the dashboard).
LOG_COLUMNS = (
    ("activation_id", "varchar"),
    ("action_id", "varchar"),
    ("lead_id", "varchar"),
    ("destination", "varchar"),
    ("channel", "varchar"),  # outbox | webhook
    ("run_id", "varchar"),
    ("attempt", "integer"),
    ("status", "varchar"),  # pending | delivered | failed
    ("detail", "varchar"),  # the outbox file, or why an attempt failed
    ("logged_at", "timestamp"),
)
LOG_REQUIRED = {"activation_id", "destination", "channel", "run_id", "attempt", "status", "logged_at"}
LOG_DDL = f"create table if not exists {LOG} (" + ", ".join(
    f"{name} {kind}{' not null' if name in LOG_REQUIRED else ''}" for name, kind in LOG_COLUMNS) + ")"


@dataclass
class ChannelCounts:
    """What one run did for one destination and channel."""

    destination: str
    channel: str
    delivered: int = 0  # in this run, recovered ones included
    recovered: int = 0  # of those, attempts a killed run left pending
    failed: int = 0
    skipped: int = 0  # not posted: the webhook timed out or refused earlier in this run
    already_delivered: int = 0  # deliverable, and delivered by an earlier run
    files: list[Path] = field(default_factory=list)


@dataclass
class DeliveryFailure:
    activation_id: str
    destination: str
    channel: str
    reason: str
    attempt: int | None = None  # None: skipped, not attempted


@dataclass
class DeliveryResult:
    run_id: str
    outbox: Path
    source_found: bool = True
    counts: dict[tuple[str, str], ChannelCounts] = field(default_factory=dict)
    failures: list[DeliveryFailure] = field(default_factory=list)

    def channel(self, destination: str, channel: str) -> ChannelCounts:
        return self.counts.setdefault((destination, channel), ChannelCounts(destination, channel))

    @property
    def delivered(self) -> int:
        return sum(c.delivered for c in self.counts.values())

    @property
    def files(self) -> list[Path]:
        return [path for c in self.counts.values() for path in c.files]

    def failed_by_destination(self) -> dict[str, int]:
        """Activations not delivered in this run because of a failure (skipped ones included)."""
        found: dict[str, int] = defaultdict(int)
        for failure in self.failures:
            found[failure.destination] += 1
        return dict(sorted(found.items()))


# --- settings --------------------------------------------------------------------------------------

def webhook_var(destination: str) -> str:
    return "LEAD_SCORING_WEBHOOK_" + re.sub(r"[^A-Z0-9]", "_", destination.upper())


def webhook_url(destination: str) -> str | None:
    """The destination's webhook URL (http or https), None when its variable is unset."""
    name = webhook_var(destination)
    value = os.environ.get(name)
    if value is None:
        return None
    if urllib.parse.urlsplit(value.strip()).scheme not in ("http", "https"):
        raise ValueError(f"{name} must be an http(s) URL, got {value!r}; unset it to deliver {destination!r} to the outbox only")
    return value.strip()


# --- the delivery log ------------------------------------------------------------------------------

@dataclass
class _State:
    attempt: int
    status: str
    detail: str | None
    delivered: bool


def _states(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, str], _State]:
    """Per (activation_id, destination, channel): its last attempt's outcome (pending while no
    outcome was logged) and whether any attempt delivered it."""
    rows = con.execute(f"""
        select activation_id, destination, channel, attempt, status, detail, delivered from (
            select *, bool_or(status = '{DELIVERED}') over (partition by activation_id, destination, channel) as delivered,
                row_number() over (partition by activation_id, destination, channel
                                   order by attempt desc, status = '{PENDING}', logged_at desc) as latest
            from {LOG}
        ) where latest = 1""").fetchall()
    return {(a, d, c): _State(attempt, status, detail, delivered) for a, d, c, attempt, status, detail, delivered in rows}


def _log(con: duckdb.DuckDBPyConnection, run_id: str, entries: list[tuple[dict, str, int, str, str | None]]) -> None:
    """Append (record, channel, attempt, status, detail) rows in one transaction."""
    if not entries:
        return
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    con.execute("begin transaction")
    try:
        con.executemany(
            f"insert into {LOG} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[r["activation_id"], r.get("action_id"), r.get("lead_id"), r["destination"], channel, run_id, attempt, status, detail, now]
             for r, channel, attempt, status, detail in entries],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


# --- records and files -----------------------------------------------------------------------------

def _json_value(value):
    if isinstance(value, dt.datetime):
        return value.isoformat() + ("Z" if value.tzinfo is None else "")  # naive timestamps are UTC
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _records(con: duckdb.DuckDBPyConnection, where: str, params: list) -> list[dict]:
    """Rows of the sources as JSON-ready dicts in their contract's column order, oldest due first:
    the lead activations, then the account activations (when the warehouse has them)."""
    columns = ", ".join(COLUMNS)
    rows = con.execute(f"select {columns} from {SOURCE} where {where} order by due_at, activation_id", params).fetchall()
    records = [dict(zip(COLUMNS, map(_json_value, row))) for row in rows]
    if table_exists(con, SOURCE_SCHEMA, ACCOUNT_SOURCE_TABLE):
        records += _account_records(con, where, params)
    return records


def _account_records(con: duckdb.DuckDBPyConnection, where: str, params: list) -> list[dict]:
    """The account activations, each with the emails of its top engaged leads (empty where a lead
    has none), in the order of their ids."""
    names = [c for c in ACCOUNT_COLUMNS if c != "top_engaged_lead_emails"]
    rows = con.execute(f"select {', '.join(names)} from {SOURCE_SCHEMA}.{ACCOUNT_SOURCE_TABLE} where {where} "
                       "order by due_at, activation_id", params).fetchall()
    records = [dict(zip(names, map(_json_value, row))) for row in rows]
    ids = sorted({i for r in records for i in (r["top_engaged_lead_ids"] or "").split("|") if i})
    emails = dict(con.execute(f"select lead_id, email from {LEADS_SCHEMA}.{LEADS_TABLE} where lead_id in (select unnest(?))",
                              [ids]).fetchall()) if ids and table_exists(con, LEADS_SCHEMA, LEADS_TABLE) else {}
    for r in records:
        lead_ids = [i for i in (r["top_engaged_lead_ids"] or "").split("|") if i]
        r["top_engaged_lead_emails"] = "|".join(emails.get(i) or "" for i in lead_ids) if lead_ids else None
    return [{c: r[c] for c in ACCOUNT_COLUMNS} for r in records]


def _is_account(record: dict) -> bool:
    """An account activation (ACCOUNT_COLUMNS) rather than a lead's (COLUMNS)."""
    return "account_id" in record and "lead_id" not in record


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def _csv(records: list[dict]) -> str:
    """One file's records (all of leads, or all of accounts) under their contract's header."""
    columns = ACCOUNT_COLUMNS if records and _is_account(records[0]) else COLUMNS
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_csv_value(r[c]) for c in columns] for r in records)
    return out.getvalue()


def _write_atomically(path: Path, text: str) -> None:
    """Readers (and a later recovery) see the whole file or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.writing")
    with open(aside, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(aside, path)
    fsync_path(path.parent)


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _csv_ids(path: Path) -> set[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {row["activation_id"] for row in csv.DictReader(handle)}


def _safe_name(text: str) -> str:
    """A destination or run id as one path component."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", str(text)).strip(".")
    return name or "_"


def _new_file(outbox: Path, destination: str, as_of_date: str, run_id: str, accounts: bool = False) -> str:
    """The outbox file (relative, without suffix) of this run and destination (its accounts/
    subfolder for account activations); a free name if a delivery under the same run id already
    wrote one."""
    folder = f"{_safe_name(destination)}/{ACCOUNT_FOLDER}" if accounts else _safe_name(destination)
    base = f"{folder}/{_safe_name(as_of_date)}_{_safe_name(run_id)}"
    name, n = base, 1
    while any((outbox / f"{name}{suffix}").exists() for suffix in (".jsonl", ".csv")):
        n += 1
        name = f"{base}-{n}"
    return name


def _crash_point(point: str) -> None:
    if os.environ.get(CRASH_VAR) == point:
        os.kill(os.getpid(), signal.SIGKILL)


# --- webhook ---------------------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx: following it would turn the POST into a GET."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass
class _PostOutcome:
    delivered: bool
    reason: str = ""
    unreachable: bool = False  # timed out or refused: the destination gets no more posts this run


def _post(url: str, record: dict, timeout: float) -> _PostOutcome:
    request = urllib.request.Request(
        url, data=json.dumps(record, ensure_ascii=False).encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": record["activation_id"]},
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        return _PostOutcome(False, f"HTTP {exc.code} {exc.reason}".strip()[:MAX_REASON_CHARS])
    except TimeoutError:
        return _PostOutcome(False, f"timed out after {timeout:g} s", unreachable=True)
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            return _PostOutcome(False, f"timed out after {timeout:g} s", unreachable=True)
        return _PostOutcome(False, f"connection error: {reason}"[:MAX_REASON_CHARS], unreachable=True)
    if 200 <= status < 300:
        return _PostOutcome(True)
    return _PostOutcome(False, f"HTTP {status}")


# --- the run ---------------------------------------------------------------------------------------

class _Run:
    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: str, outbox: Path, timeout: float) -> None:
        self.con, self.run_id, self.outbox, self.timeout = con, run_id, outbox, timeout
        self.result = DeliveryResult(run_id=run_id, outbox=outbox)
        self.unreachable: dict[str, str] = {}  # destination -> why it gets no more posts this run
        self.settled: set[tuple[str, str, str]] = set()  # (activation, destination, channel) that recover() attempted

    def source_records(self, ids: list[str]) -> dict[str, dict]:
        if not ids:
            return {}
        return {r["activation_id"]: r for r in _records(self.con, "activation_id in (select unnest(?))", [ids])}

    def recover(self, states: dict[tuple[str, str, str], _State]) -> None:
        """Settle the attempts a killed run left pending, before anything new is attempted."""
        pending = {key: s for key, s in states.items() if s.status == PENDING and not s.delivered}
        self.settled.update(pending)
        files: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
        posts: list[tuple[str, str, int]] = []
        for (activation_id, destination, channel), state in sorted(pending.items()):
            if channel == OUTBOX:
                files[(destination, (state.detail or "").removesuffix(".jsonl"))].append((activation_id, state.attempt))
            else:
                posts.append((activation_id, destination, state.attempt))
        for (destination, name), entries in sorted(files.items()):
            self.recover_file(destination, name, entries)
        for activation_id, destination, attempt in posts:
            url = webhook_url(destination)
            record = self.source_records([activation_id]).get(activation_id)
            if url is None or record is None:
                why = f"{webhook_var(destination)} is no longer set" if url is None else f"no longer in {SOURCE}"
                self.fail({"activation_id": activation_id, "destination": destination}, WEBHOOK, attempt, why)
                continue
            self.post(url, record, attempt, recovered=True)

    def recover_file(self, destination: str, name: str, entries: list[tuple[str, int]]) -> None:
        """The files of a pending outbox attempt: kept when they hold its activations, else
        written (under the recorded name) from the JSON Lines file or the warehouse."""
        counts = self.result.channel(destination, OUTBOX)
        ids = [activation_id for activation_id, _ in entries]
        jsonl, csv_path = self.outbox / f"{name}.jsonl", self.outbox / f"{name}.csv"
        in_file = {r["activation_id"]: r for r in _read_jsonl(jsonl)} if jsonl.exists() else {}
        missing = [i for i in ids if i not in in_file]
        records = {**in_file, **self.source_records(missing)}
        kept = sorted(records.values(), key=lambda r: (r["due_at"], r["activation_id"]))
        if missing and kept:
            _write_atomically(jsonl, _jsonl(kept))
            counts.files.append(jsonl)
        if kept and (not csv_path.exists() or not set(records) <= _csv_ids(csv_path)):
            _write_atomically(csv_path, _csv(kept))
            counts.files.append(csv_path)
        done, lost = [], []
        for activation_id, attempt in entries:
            if activation_id in records:
                done.append((records[activation_id], OUTBOX, attempt, DELIVERED, name + ".jsonl"))
            else:
                lost.append((activation_id, attempt))
        _log(self.con, self.run_id, done)
        counts.delivered += len(done)
        counts.recovered += len(done)
        for activation_id, attempt in lost:
            self.fail({"activation_id": activation_id, "destination": destination}, OUTBOX, attempt,
                      f"pending in {name}.jsonl, which lacks it, and no longer in {SOURCE}")

    def fail(self, record: dict, channel: str, attempt: int, reason: str) -> None:
        _log(self.con, self.run_id, [(record, channel, attempt, FAILED, reason)])
        self.result.channel(record["destination"], channel).failed += 1
        self.result.failures.append(DeliveryFailure(record["activation_id"], record["destination"], channel, reason, attempt))

    def deliver_outbox(self, due: dict[tuple[str, bool], list[tuple[dict, int]]]) -> None:
        """One JSON Lines and one CSV file per destination (and per target: leads, accounts):
        pending, written, delivered."""
        planned = []
        for (destination, accounts), entries in sorted(due.items()):
            as_of = max(str(r["as_of_date"]) for r, _ in entries)
            planned.append((destination, _new_file(self.outbox, destination, as_of, self.run_id, accounts), entries))
        _log(self.con, self.run_id, [(r, OUTBOX, attempt, PENDING, name + ".jsonl") for _, name, entries in planned for r, attempt in entries])
        _crash_point("after_outbox_pending")
        for destination, name, entries in planned:
            records = [r for r, _ in entries]
            for suffix, text in ((".jsonl", _jsonl(records)), (".csv", _csv(records))):
                path = self.outbox / f"{name}{suffix}"
                _write_atomically(path, text)
                self.result.channel(destination, OUTBOX).files.append(path)
        _crash_point("after_outbox_write")
        _log(self.con, self.run_id, [(r, OUTBOX, attempt, DELIVERED, name + ".jsonl") for _, name, entries in planned for r, attempt in entries])
        for destination, _, entries in planned:
            self.result.channel(destination, OUTBOX).delivered += len(entries)

    def post(self, url: str, record: dict, attempt: int, recovered: bool = False) -> None:
        destination = record["destination"]
        counts = self.result.channel(destination, WEBHOOK)
        if destination in self.unreachable:
            counts.skipped += 1
            self.result.failures.append(DeliveryFailure(record["activation_id"], destination, WEBHOOK,
                                                        f"not posted: {self.unreachable[destination]} earlier in this run"))
            return
        if not recovered:
            _log(self.con, self.run_id, [(record, WEBHOOK, attempt, PENDING, None)])
        outcome = _post(url, record, self.timeout)
        _crash_point("after_webhook_post")
        if outcome.delivered:
            _log(self.con, self.run_id, [(record, WEBHOOK, attempt, DELIVERED, None)])
            counts.delivered += 1
            if recovered:
                counts.recovered += 1
            return
        if outcome.unreachable:
            self.unreachable[destination] = outcome.reason
        self.fail(record, WEBHOOK, attempt, outcome.reason)


def deliver(con: duckdb.DuckDBPyConnection, run_id: str, outbox: Path, timeout: float | None = None) -> DeliveryResult:
    """Deliver every due activation once: settle what a killed run left pending, then write the
    outbox files and post to the webhooks. Without the source table (a warehouse built before
    activations existed) nothing is delivered and the log is not created."""
    run = _Run(con, run_id, Path(outbox), settings.webhook_timeout_seconds() if timeout is None else timeout)
    if not table_exists(con, SOURCE_SCHEMA, SOURCE_TABLE):
        run.result.source_found = False
        return run.result
    con.execute(f"create schema if not exists {LOG_SCHEMA}")
    con.execute(LOG_DDL)
    run.recover(_states(con))

    states = _states(con)
    due = _records(con, "is_deliverable", [])
    urls = {d: webhook_url(d) for d in sorted({r["destination"] for r in due})}
    outbox_due: dict[tuple[str, bool], list[tuple[dict, int]]] = defaultdict(list)
    webhook_due: list[tuple[str, dict, int]] = []
    for record in due:
        destination = record["destination"]
        for channel in (OUTBOX, WEBHOOK) if urls[destination] else (OUTBOX,):
            key = (record["activation_id"], destination, channel)
            if key in run.settled:
                continue  # the recovery attempted it in this run and counted it
            state = states.get(key)
            if state is not None and state.delivered:
                run.result.channel(destination, channel).already_delivered += 1
                continue
            attempt = (state.attempt if state else 0) + 1
            if channel == OUTBOX:
                outbox_due[(destination, _is_account(record))].append((record, attempt))
            else:
                webhook_due.append((urls[destination], record, attempt))
    if outbox_due:
        run.deliver_outbox(outbox_due)
    for url, record, attempt in webhook_due:
        run.post(url, record, attempt)
    return run.result


def deliver_warehouse(warehouse: Path, run_id: str, outbox: Path | None = None) -> DeliveryResult:
    """`deliver` on its own connection to the warehouse file (outbox: LEAD_SCORING_OUTBOX_DIR)."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("set TimeZone = 'UTC'")
        return deliver(con, run_id, outbox or settings.outbox_dir(warehouse))
    finally:
        con.close()


def failure_message(result: DeliveryResult) -> str:
    """One line for the run's failure (and the failure alert): how many failed where, and why."""
    by_destination = result.failed_by_destination()
    total = sum(by_destination.values())
    first = result.failures[0]
    where = ", ".join(f"{destination} {n}" for destination, n in by_destination.items())
    return (f"{total} activation{'s' if total != 1 else ''} not delivered ({where}); first: {first.activation_id} "
            f"to {first.destination} ({first.channel}): {first.reason}. {result.delivered} delivered; "
            f"the rest are retried on the next run ({LOG}).")
