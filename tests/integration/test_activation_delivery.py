"""Delivery of due activations: each once per destination and channel, also across killed runs and
failing webhooks; the Dagster asset that runs it. The source table is written by hand here, with
the contract's columns (the dbt model is tested with the build)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from helpers import PROJECT_DIR, WebhookReceiver, query
from lead_scoring.activation_delivery import ACCOUNT_COLUMNS, COLUMNS, DeliveryResult, deliver_warehouse

DAY = dt.date(2026, 6, 30)
A1 = "sales_notification:champion:L1:e1"
A2 = "mql_handoff:champion:L2:e1"
A3 = "nurture_enrol:champion:L3:2026-06-30"
OLD = "sales_notification:champion:L4:e1"  # due a month ago: history only
OLD_CAMPAIGN = "campaign_trigger:champion:L5:2026-06-02"


def activation(activation_id: str, destination: str, due_at: dt.datetime, deliverable: bool = True, **values) -> dict:
    action_id, model_id, lead_id = activation_id.split(":")[:3]
    row = dict(activation_id=activation_id, action_id=action_id, model_id=model_id, lead_id=lead_id, destination=destination,
               trigger_on="enter", due_at=due_at, due_date=due_at.date(), mql_episode=1, lifecycle_stage="mql", total_score=72.5,
               score_band="hot", fit_grade="A", top_reasons="Visited the pricing page (+20.0); Matching company size (+15.0)",
               triggering_event_id=f"ev-{lead_id}", triggering_event_type="page_view", triggering_event_at=due_at,
               sales_owner="dana", is_deliverable=deliverable, as_of_date=DAY)
    return {**row, **values}


ROWS = [
    activation(A1, "sales_crm", dt.datetime(2026, 6, 30, 9, 15)),
    activation(A2, "sales_crm", dt.datetime(2026, 6, 29, 14, 0), sales_owner=None, mql_episode=None),
    activation(A3, "nurture", dt.datetime(2026, 6, 30, 0, 0), trigger_on="exit", triggering_event_id=None,
               triggering_event_type=None, triggering_event_at=None),
    activation(OLD, "sales_crm", dt.datetime(2026, 6, 1, 8, 0), deliverable=False),
    activation(OLD_CAMPAIGN, "campaigns", dt.datetime(2026, 6, 2, 8, 0), deliverable=False),
]
TYPES = dict(activation_id="varchar", action_id="varchar", model_id="varchar", lead_id="varchar", destination="varchar",
             trigger_on="varchar", due_at="timestamp", due_date="date", mql_episode="integer", lifecycle_stage="varchar",
             total_score="double", score_band="varchar", fit_grade="varchar", top_reasons="varchar", triggering_event_id="varchar",
             triggering_event_type="varchar", triggering_event_at="timestamp", sales_owner="varchar", is_deliverable="boolean",
             as_of_date="date")
ENV = ("LEAD_SCORING_OUTBOX_DIR", "LEAD_SCORING_WEBHOOK_TIMEOUT_SECONDS", "LEAD_SCORING_DELIVERY_CRASH_AT")


def write_activations(db: Path, rows: list[dict]) -> None:
    """marts.fct_lead_activations as the dbt model leaves it (columns in another order than the
    contract's: the files must not depend on it)."""
    order = list(reversed(COLUMNS))
    con = duckdb.connect(str(db))
    try:
        con.execute("create schema if not exists marts")
        con.execute(f"create or replace table marts.fct_lead_activations ({', '.join(f'{c} {TYPES[c]}' for c in order)})")
        con.executemany(f"insert into marts.fct_lead_activations values ({', '.join('?' for _ in order)})", [[r[c] for c in order] for r in rows])
    finally:
        con.close()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    for name in [n for n in os.environ if n.startswith("LEAD_SCORING_WEBHOOK_")]:
        monkeypatch.delenv(name)


@pytest.fixture()
def warehouse(tmp_path) -> Path:
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    db.parent.mkdir()
    write_activations(db, ROWS)
    return db


def outbox_of(db: Path) -> Path:
    return db.parent / "outbox"


def outbox_files(db: Path) -> list[str]:
    return sorted(str(p.relative_to(outbox_of(db))) for p in outbox_of(db).rglob("*") if p.is_file())


def jsonl_ids(path: Path) -> list[str]:
    return [json.loads(line)["activation_id"] for line in path.read_text().splitlines()]


def csv_rows(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def log_rows(db: Path, channel: str = "outbox") -> list[tuple]:
    return query(db, "select activation_id, destination, attempt, status, run_id from activation.delivery_log "
                     "where channel = ? order by activation_id, attempt, status = 'pending' desc, logged_at", [channel])


def counts(result: DeliveryResult) -> dict[tuple[str, str], tuple[int, int, int, int, int]]:
    """(delivered, recovered, failed, skipped, already delivered) per destination and channel."""
    return {key: (c.delivered, c.recovered, c.failed, c.skipped, c.already_delivered) for key, c in result.counts.items()}


# --- the outbox ------------------------------------------------------------------------------------

def test_files_hold_exactly_the_due_deliverable_rows_in_the_contracts_columns(warehouse):
    result = deliver_warehouse(warehouse, run_id="r1")
    assert outbox_files(warehouse) == ["nurture/2026-06-30_r1.csv", "nurture/2026-06-30_r1.jsonl",
                                       "sales_crm/2026-06-30_r1.csv", "sales_crm/2026-06-30_r1.jsonl"]
    assert sorted(result.files) == sorted(outbox_of(warehouse) / name for name in outbox_files(warehouse))
    assert counts(result) == {("sales_crm", "outbox"): (2, 0, 0, 0, 0), ("nurture", "outbox"): (1, 0, 0, 0, 0)}
    assert result.failures == []

    sales = outbox_of(warehouse) / "sales_crm"
    lines = (sales / "2026-06-30_r1.jsonl").read_text().splitlines()
    assert [list(json.loads(line)) for line in lines] == [list(COLUMNS)] * 2  # contract order, every column
    assert json.loads(lines[0]) == {  # oldest due first: A2
        "activation_id": A2, "action_id": "mql_handoff", "model_id": "champion", "lead_id": "L2", "destination": "sales_crm",
        "trigger_on": "enter", "due_at": "2026-06-29T14:00:00Z", "due_date": "2026-06-29", "mql_episode": None,
        "lifecycle_stage": "mql", "total_score": 72.5, "score_band": "hot", "fit_grade": "A",
        "top_reasons": "Visited the pricing page (+20.0); Matching company size (+15.0)", "triggering_event_id": "ev-L2",
        "triggering_event_type": "page_view", "triggering_event_at": "2026-06-29T14:00:00Z", "sales_owner": None,
        "is_deliverable": True, "as_of_date": "2026-06-30",
    }
    assert json.loads(lines[1])["activation_id"] == A1 and json.loads(lines[1])["due_at"] == "2026-06-30T09:15:00Z"

    rows = csv_rows(sales / "2026-06-30_r1.csv")
    assert list(rows[0]) == list(COLUMNS)
    assert [r["activation_id"] for r in rows] == [A2, A1]
    assert (rows[0]["due_at"], rows[0]["mql_episode"], rows[0]["sales_owner"], rows[0]["is_deliverable"], rows[0]["total_score"]) == \
        ("2026-06-29T14:00:00Z", "", "", "true", "72.5")
    assert rows[1]["mql_episode"] == "1" and rows[1]["sales_owner"] == "dana"
    assert jsonl_ids(outbox_of(warehouse) / "nurture" / "2026-06-30_r1.jsonl") == [A3]
    assert not list(outbox_of(warehouse).rglob(".*"))  # no file left aside


def test_two_runs_of_the_day_deliver_each_activation_once_and_history_never(warehouse):
    deliver_warehouse(warehouse, run_id="r1")
    second = deliver_warehouse(warehouse, run_id="r2")
    assert second.files == [] and second.failures == []
    assert counts(second) == {("sales_crm", "outbox"): (0, 0, 0, 0, 2), ("nurture", "outbox"): (0, 0, 0, 0, 1)}
    assert len(outbox_files(warehouse)) == 4
    # Attempt 1, pending then delivered, by r1 only; the rows that are not deliverable never.
    assert log_rows(warehouse) == [
        (A2, "sales_crm", 1, "pending", "r1"), (A2, "sales_crm", 1, "delivered", "r1"),
        (A3, "nurture", 1, "pending", "r1"), (A3, "nurture", 1, "delivered", "r1"),
        (A1, "sales_crm", 1, "pending", "r1"), (A1, "sales_crm", 1, "delivered", "r1"),
    ]

    # The next day: a new activation is delivered alone; yesterday's, still deliverable, are not again.
    new = "sales_notification:champion:L6:e1"
    write_activations(warehouse, [{**r, "as_of_date": DAY + dt.timedelta(days=1)} for r in ROWS]
                      + [activation(new, "sales_crm", dt.datetime(2026, 7, 1, 7, 30), as_of_date=DAY + dt.timedelta(days=1))])
    third = deliver_warehouse(warehouse, run_id="r3")
    assert [p.name for p in third.files] == ["2026-07-01_r3.jsonl", "2026-07-01_r3.csv"]
    assert jsonl_ids(third.files[0]) == [new]
    assert counts(third) == {("sales_crm", "outbox"): (1, 0, 0, 0, 2), ("nurture", "outbox"): (0, 0, 0, 0, 1)}


def test_an_old_warehouse_without_activations_delivers_nothing(tmp_path):
    db = tmp_path / "lead_scoring.duckdb"
    duckdb.connect(str(db)).close()
    result = deliver_warehouse(db, run_id="r1")
    assert not result.source_found and result.counts == {} and result.files == []
    assert query(db, "select count(*) from information_schema.schemata where schema_name = 'activation'") == [(0,)]


def test_the_outbox_folder_is_a_setting(warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("LEAD_SCORING_OUTBOX_DIR", str(tmp_path / "elsewhere"))
    result = deliver_warehouse(warehouse, run_id="r1")
    assert result.outbox == tmp_path / "elsewhere" and (tmp_path / "elsewhere" / "nurture" / "2026-06-30_r1.jsonl").exists()
    monkeypatch.setenv("LEAD_SCORING_OUTBOX_DIR", " ")
    with pytest.raises(ValueError, match="LEAD_SCORING_OUTBOX_DIR is set but blank"):
        deliver_warehouse(warehouse, run_id="r2")


# --- a run killed in the middle --------------------------------------------------------------------

DELIVER_IN_A_PROCESS = "import sys; from pathlib import Path; from lead_scoring.activation_delivery import deliver_warehouse; " \
                       "deliver_warehouse(Path(sys.argv[1]), run_id=sys.argv[2])"


def killed_delivery(db: Path, run_id: str, crash_at: str) -> None:
    """A delivery in its own process that kills itself (SIGKILL) at `crash_at`."""
    env = {**os.environ, "LEAD_SCORING_DELIVERY_CRASH_AT": crash_at}
    done = subprocess.run([sys.executable, "-c", DELIVER_IN_A_PROCESS, str(db), run_id], env=env, cwd=PROJECT_DIR,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr[-3000:]


@pytest.mark.parametrize(
    ("crash_at", "lost", "rewritten"),
    [
        ("after_outbox_pending", [], ["nurture/2026-06-30_r1.csv", "nurture/2026-06-30_r1.jsonl", "sales_crm/2026-06-30_r1.csv", "sales_crm/2026-06-30_r1.jsonl"]),
        ("after_outbox_write", [], []),
        # Killed between the two renames of one destination: only the CSV is missing.
        ("after_outbox_write", ["sales_crm/2026-06-30_r1.csv"], ["sales_crm/2026-06-30_r1.csv"]),
    ],
    ids=["before-the-files", "after-the-files", "between-the-two-files"],
)
def test_a_run_killed_before_logging_its_files_is_settled_without_a_second_file(warehouse, crash_at, lost, rewritten):
    killed_delivery(warehouse, "r1", crash_at)
    written = outbox_files(warehouse)
    assert written == ([] if crash_at == "after_outbox_pending" else [
        "nurture/2026-06-30_r1.csv", "nurture/2026-06-30_r1.jsonl", "sales_crm/2026-06-30_r1.csv", "sales_crm/2026-06-30_r1.jsonl"])
    assert {status for *_, status, _ in log_rows(warehouse)} == {"pending"}
    for name in lost:
        (outbox_of(warehouse) / name).unlink()

    result = deliver_warehouse(warehouse, run_id="r2")
    # Settled under r1's names; r2 writes no file of its own.
    assert sorted(str(p.relative_to(outbox_of(warehouse))) for p in result.files) == rewritten
    assert outbox_files(warehouse) == ["nurture/2026-06-30_r1.csv", "nurture/2026-06-30_r1.jsonl",
                                       "sales_crm/2026-06-30_r1.csv", "sales_crm/2026-06-30_r1.jsonl"]
    assert counts(result) == {("sales_crm", "outbox"): (2, 2, 0, 0, 0), ("nurture", "outbox"): (1, 1, 0, 0, 0)}
    # Each activation in exactly one JSON Lines file and one CSV file.
    everywhere = [i for p in outbox_of(warehouse).rglob("*.jsonl") for i in jsonl_ids(p)]
    assert sorted(everywhere) == sorted([A1, A2, A3])
    assert sorted(r["activation_id"] for p in outbox_of(warehouse).rglob("*.csv") for r in csv_rows(p)) == sorted([A1, A2, A3])
    assert log_rows(warehouse) == [
        (A2, "sales_crm", 1, "pending", "r1"), (A2, "sales_crm", 1, "delivered", "r2"),
        (A3, "nurture", 1, "pending", "r1"), (A3, "nurture", 1, "delivered", "r2"),
        (A1, "sales_crm", 1, "pending", "r1"), (A1, "sales_crm", 1, "delivered", "r2"),
    ]
    assert query(warehouse, "select detail from activation.delivery_log where activation_id = ? order by logged_at", [A1]) == \
        [("sales_crm/2026-06-30_r1.jsonl",), ("sales_crm/2026-06-30_r1.jsonl",)]
    assert deliver_warehouse(warehouse, run_id="r3").files == []


ACME = "account_mqa_handoff:champion:crm:ACC1:e1"


def write_account_activations(db: Path) -> None:
    """marts.fct_account_activations with one deliverable hand-off (Acme, leads L1 and L2, L9
    without an email) and one that is history; staging.stg_raw__leads with the emails."""
    con = duckdb.connect(str(db))
    try:
        con.execute("create schema if not exists staging")
        con.execute("create table staging.stg_raw__leads as select * from (values ('L1', 'anna@acme.com'), ('L2', 'bob@acme.com'), "
                    "('L9', null)) as leads(lead_id, email)")
        con.execute("""
            create table marts.fct_account_activations as select * from (values
                (?, 'account_mqa_handoff', 'champion', true, 'crm:ACC1', 'Acme GmbH', 'acme.com', 'sales_crm', 'enter',
                 timestamp '2026-06-30 08:00:00', date '2026-06-30', 1, 109.11::double, true, true, 3, 3, 'L1|L9|L2', true, date '2026-06-30'),
                ('account_mqa_handoff:champion:crm:ACC2:e1', 'account_mqa_handoff', 'champion', true, 'crm:ACC2', 'Beta', 'beta.io',
                 'sales_crm', 'enter', timestamp '2026-06-01 08:00:00', date '2026-06-01', 1, 101.0::double, true, true, 2, 2, 'L3|L4', false,
                 date '2026-06-30')
            ) as a(activation_id, action_id, model_id, is_primary_model, account_id, account_name, account_domain, destination,
                   trigger_on, due_at, due_date, mqa_episode, account_score, is_mqa, is_engaged_account, engaged_leads, leads_count,
                   top_engaged_lead_ids, is_deliverable, as_of_date)""", [ACME])
    finally:
        con.close()


def test_account_activations_go_to_files_of_their_own_once_also_after_a_killed_run(warehouse):
    """Account hand-offs (fct_account_activations) share the log and its exactly-once steps with
    the lead activations, in files of their own with their own columns and the leads' emails
    added in the order of their ids (L9 has none). A run killed after writing the files is
    settled under its names by the next; a third run sends nothing."""
    write_account_activations(warehouse)
    killed_delivery(warehouse, "r1", "after_outbox_write")
    accounts = ["sales_crm/accounts/2026-06-30_r1.csv", "sales_crm/accounts/2026-06-30_r1.jsonl"]
    assert [name for name in outbox_files(warehouse) if "/accounts/" in name] == accounts

    result = deliver_warehouse(warehouse, run_id="r2")
    assert result.files == []  # settled under r1's names
    assert counts(result) == {("sales_crm", "outbox"): (3, 3, 0, 0, 0), ("nurture", "outbox"): (1, 1, 0, 0, 0)}
    records = [json.loads(line) for line in (outbox_of(warehouse) / accounts[1]).read_text().splitlines()]
    assert [list(r) for r in records] == [list(ACCOUNT_COLUMNS)]
    assert (records[0]["activation_id"], records[0]["top_engaged_lead_ids"], records[0]["top_engaged_lead_emails"]) == \
        (ACME, "L1|L9|L2", "anna@acme.com||bob@acme.com")
    rows = csv_rows(outbox_of(warehouse) / accounts[0])
    assert list(rows[0]) == list(ACCOUNT_COLUMNS) and [r["activation_id"] for r in rows] == [ACME]
    # The lead files hold the lead activations only.
    assert sorted(i for p in outbox_of(warehouse).rglob("*.jsonl") if "accounts" not in p.parts for i in jsonl_ids(p)) == sorted([A1, A2, A3])
    assert query(warehouse, "select status, run_id, lead_id from activation.delivery_log where activation_id = ? order by logged_at",
                 [ACME]) == [("pending", "r1", None), ("delivered", "r2", None)]
    assert deliver_warehouse(warehouse, run_id="r3").files == []


# --- webhooks --------------------------------------------------------------------------------------

@pytest.fixture()
def receiver() -> Iterator[WebhookReceiver]:
    found = WebhookReceiver()
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


def test_a_failing_then_slow_webhook_is_retried_until_each_activation_is_accepted_once(warehouse, receiver, monkeypatch):
    monkeypatch.setenv("LEAD_SCORING_WEBHOOK_SALES_CRM", receiver.url)
    monkeypatch.setenv("LEAD_SCORING_WEBHOOK_TIMEOUT_SECONDS", "0.5")

    receiver.mode = "error"
    first = deliver_warehouse(warehouse, run_id="r1")
    assert [(f.activation_id, f.destination, f.channel, f.reason, f.attempt) for f in first.failures] == [
        (A2, "sales_crm", "webhook", "HTTP 500 Internal Server Error", 1), (A1, "sales_crm", "webhook", "HTTP 500 Internal Server Error", 1)]
    assert counts(first)[("sales_crm", "webhook")] == (0, 0, 2, 0, 0)
    assert counts(first)[("sales_crm", "outbox")] == (2, 0, 0, 0, 0)  # the outbox does not wait for the webhook
    assert ("nurture", "webhook") not in first.counts  # no URL: outbox only

    receiver.mode = "slow"
    second = deliver_warehouse(warehouse, run_id="r2")
    # The first post times out; the destination gets no more posts in this run.
    assert [(f.activation_id, f.reason, f.attempt) for f in second.failures] == [
        (A2, "timed out after 0.5 s", 2), (A1, "not posted: timed out after 0.5 s earlier in this run", None)]
    assert counts(second)[("sales_crm", "webhook")] == (0, 0, 1, 1, 0)
    assert second.failed_by_destination() == {"sales_crm": 2}

    receiver.mode = "ok"
    third = deliver_warehouse(warehouse, run_id="r3")
    assert third.failures == [] and counts(third)[("sales_crm", "webhook")] == (2, 0, 0, 0, 0)
    assert sorted(receiver.accepted) == sorted([A1, A2])  # each key accepted once
    assert receiver.bodies[0] == json.loads((outbox_of(warehouse) / "sales_crm" / "2026-06-30_r1.jsonl").read_text().splitlines()[0])
    assert log_rows(warehouse, "webhook") == [
        (A2, "sales_crm", 1, "pending", "r1"), (A2, "sales_crm", 1, "failed", "r1"),
        (A2, "sales_crm", 2, "pending", "r2"), (A2, "sales_crm", 2, "failed", "r2"),
        (A2, "sales_crm", 3, "pending", "r3"), (A2, "sales_crm", 3, "delivered", "r3"),
        (A1, "sales_crm", 1, "pending", "r1"), (A1, "sales_crm", 1, "failed", "r1"),
        (A1, "sales_crm", 2, "pending", "r3"), (A1, "sales_crm", 2, "delivered", "r3"),
    ]

    posts = len(receiver.received)
    fourth = deliver_warehouse(warehouse, run_id="r4")
    assert len(receiver.received) == posts == 5  # 2 failed, 1 timed out, 2 accepted; the 4th run posts nothing
    assert counts(fourth) == {("sales_crm", "outbox"): (0, 0, 0, 0, 2), ("sales_crm", "webhook"): (0, 0, 0, 0, 2),
                              ("nurture", "outbox"): (0, 0, 0, 0, 1)}


def closed_port() -> int:
    """A port of 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_connection_is_a_failure_and_a_bad_url_an_error(warehouse, monkeypatch):
    monkeypatch.setenv("LEAD_SCORING_WEBHOOK_NURTURE", f"http://127.0.0.1:{closed_port()}/")
    result = deliver_warehouse(warehouse, run_id="r1")
    [(activation_id, reason)] = [(f.activation_id, f.reason) for f in result.failures]
    assert activation_id == A3 and reason.startswith("connection error: ") and "refused" in reason.lower()
    monkeypatch.setenv("LEAD_SCORING_WEBHOOK_NURTURE", "file:///etc/passwd")
    with pytest.raises(ValueError, match="LEAD_SCORING_WEBHOOK_NURTURE must be an http"):
        deliver_warehouse(warehouse, run_id="r2")


def test_a_post_whose_outcome_a_killed_run_never_logged_is_posted_again_with_the_same_key(warehouse, receiver, monkeypatch):
    monkeypatch.setenv("LEAD_SCORING_WEBHOOK_SALES_CRM", receiver.url)
    killed_delivery(warehouse, "r1", "after_webhook_post")
    assert receiver.accepted == [A2]
    result = deliver_warehouse(warehouse, run_id="r2")
    assert counts(result)[("sales_crm", "webhook")] == (2, 1, 0, 0, 0)
    # A receiver that honours Idempotency-Key sees A2 once; this one counts every post.
    assert receiver.accepted == [A2, A2, A1]
    assert log_rows(warehouse, "webhook") == [
        (A2, "sales_crm", 1, "pending", "r1"), (A2, "sales_crm", 1, "delivered", "r2"),
        (A1, "sales_crm", 1, "pending", "r2"), (A1, "sales_crm", 1, "delivered", "r2"),
    ]


# --- the Dagster asset -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def asset_module():
    """orchestration.assets.activation, with dbt's manifest in place (the BI file asset it follows
    is built from it)."""
    from orchestration.dbt_project import prepare_manifest

    prepare_manifest()
    from orchestration.assets import activation

    return activation


def materialize(asset_module, db: Path) -> tuple[dg.ExecuteInProcessResult, dg.DagsterInstance]:
    from orchestration.assets.bi import BI_FILE_KEY
    from orchestration.resources import WarehouseResource

    instance = dg.DagsterInstance.ephemeral()
    asset = asset_module.build_activation_deliveries(BI_FILE_KEY)
    result = dg.materialize([asset], instance=instance, resources={"warehouse": WarehouseResource(path=str(db))}, raise_on_error=False)
    return result, instance


def table_records(metadata) -> list[dict]:
    return [dict(r.data) for r in metadata["counts"].value.records]


def test_the_asset_follows_the_bi_file_in_the_code_location(asset_module):
    from orchestration.assets.bi import BI_FILE_KEY
    from orchestration.definitions import build_definitions

    graph = build_definitions().resolve_asset_graph()
    node = graph.get(dg.AssetKey(["activation", "deliveries"]))
    assert node.parent_keys == {BI_FILE_KEY} and node.group_name == "activation"


def test_the_asset_records_counts_per_destination_and_channel(asset_module, warehouse):
    result, _ = materialize(asset_module, warehouse)
    assert result.success
    (event,) = result.get_asset_materialization_events()
    metadata = event.event_specific_data.materialization.metadata
    assert metadata["outbox"].value == str(outbox_of(warehouse)) and metadata["failed"].value == 0 and metadata["delivered"].value == 3
    run = result.run_id
    assert table_records(metadata) == [
        {"destination": "nurture", "channel": "outbox", "delivered": 1, "recovered": 0, "failed": 0, "skipped": 0,
         "already_delivered": 0, "files": f"2026-06-30_{run}.jsonl, 2026-06-30_{run}.csv"},
        {"destination": "sales_crm", "channel": "outbox", "delivered": 2, "recovered": 0, "failed": 0, "skipped": 0,
         "already_delivered": 0, "files": f"2026-06-30_{run}.jsonl, 2026-06-30_{run}.csv"},
    ]
    again, _ = materialize(asset_module, warehouse)
    metadata = again.get_asset_materialization_events()[0].event_specific_data.materialization.metadata
    assert [(r["destination"], r["delivered"], r["already_delivered"]) for r in table_records(metadata)] == [("nurture", 0, 1), ("sales_crm", 0, 2)]


def test_the_asset_on_a_warehouse_without_activations_delivers_nothing_and_succeeds(asset_module, tmp_path):
    db = tmp_path / "lead_scoring.duckdb"
    duckdb.connect(str(db)).close()
    result, _ = materialize(asset_module, db)
    assert result.success
    metadata = result.get_asset_materialization_events()[0].event_specific_data.materialization.metadata
    assert metadata["source_found"].value is False and metadata["delivered"].value == 0 and table_records(metadata) == []


def test_a_failing_webhook_fails_the_run_after_recording_what_was_delivered(asset_module, warehouse, receiver, monkeypatch):
    from orchestration.alerts import summarise_failed_run

    monkeypatch.setenv("LEAD_SCORING_WEBHOOK_SALES_CRM", receiver.url)
    receiver.mode = "error"
    result, instance = materialize(asset_module, warehouse)
    assert not result.success
    (event,) = result.get_asset_materialization_events()  # materialized before it failed
    metadata = event.event_specific_data.materialization.metadata
    assert metadata["failed"].value == 2 and metadata["delivered"].value == 3
    summary = summarise_failed_run(instance, result.dagster_run)
    message = (f"2 activations not delivered (sales_crm 2); first: {A2} to sales_crm (webhook): HTTP 500 Internal Server Error. "
               "3 delivered; the rest are retried on the next run (activation.delivery_log).")
    assert summary.step_reasons == {"activation__deliveries": f"Failure: {message}"}
    assert message in summary.text


def test_a_post_left_pending_whose_receiver_is_down_fails_and_waits_with_the_rest(warehouse, receiver, monkeypatch):
    monkeypatch.setenv("LEAD_SCORING_WEBHOOK_SALES_CRM", receiver.url)
    killed_delivery(warehouse, "r1", "after_webhook_post")
    monkeypatch.setenv("LEAD_SCORING_WEBHOOK_SALES_CRM", f"http://127.0.0.1:{closed_port()}/")
    down = deliver_warehouse(warehouse, run_id="r2")
    assert [(f.activation_id, f.attempt) for f in down.failures] == [(A2, 1), (A1, None)]
    assert counts(down)[("sales_crm", "webhook")] == (0, 0, 1, 1, 0)
    monkeypatch.setenv("LEAD_SCORING_WEBHOOK_SALES_CRM", receiver.url)
    up = deliver_warehouse(warehouse, run_id="r3")
    assert up.failures == [] and counts(up)[("sales_crm", "webhook")] == (2, 0, 0, 0, 0)
    assert log_rows(warehouse, "webhook") == [
        (A2, "sales_crm", 1, "pending", "r1"), (A2, "sales_crm", 1, "failed", "r2"),
        (A2, "sales_crm", 2, "pending", "r3"), (A2, "sales_crm", 2, "delivered", "r3"),
        (A1, "sales_crm", 1, "pending", "r3"), (A1, "sales_crm", 1, "delivered", "r3"),
    ]
