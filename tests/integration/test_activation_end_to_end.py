"""The loop closed on sample data, as a user runs it: `lead-scoring run` (the daily Dagster job in a
process of its own) produces every kind of activation the seed defines, delivers each deliverable
one once to the outbox and to a webhook, and a second run of the same day delivers nothing new.
The delivery's failure paths (killed runs, failing and slow receivers) are in
test_activation_delivery.py; the rules' logic, worked out by hand, in the dbt unit tests of
int_lead_activation_edges."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
from collections import Counter
from pathlib import Path

import pytest

from helpers import SAMPLE_END, WebhookReceiver, cli, dbt, query

SAMPLE = {"LEAD_SCORING_SAMPLE_DATA": "true", "LEAD_SCORING_SAMPLE_LEADS": "1500", "LEAD_SCORING_SAMPLE_DAYS": "240",
          "LEAD_SCORING_SAMPLE_SEED": "5", "LEAD_SCORING_SAMPLE_END_DATE": SAMPLE_END.isoformat(),
          "LEAD_SCORING_AS_OF_DATE": SAMPLE_END.isoformat()}
DESTINATIONS = ("sales_crm", "nurture", "campaigns")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two runs of the same day on one warehouse, each destination's webhook pointing at the
    receiver; the outbox files and the posts after each run."""
    receiver = WebhookReceiver()
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    tmp_path = tmp_path_factory.mktemp("activation_loop")
    hooks = {f"LEAD_SCORING_WEBHOOK_{d.upper()}": receiver.url.replace("/hook", f"/{d}") for d in DESTINATIONS}
    outbox = tmp_path / "wh" / "outbox"
    runs = []
    for _ in range(2):
        result = cli(tmp_path, "run", **SAMPLE, **hooks)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        posts = list(zip(receiver.paths, receiver.accepted, receiver.bodies))
        runs.append({"stdout": result.stdout, "files": sorted(outbox.rglob("*.jsonl")), "posts": posts})
    receiver.server.shutdown()
    receiver.server.server_close()
    return {"db": tmp_path / "wh" / "lead_scoring.duckdb", "outbox": outbox, "runs": runs}


def test_every_action_of_the_seed_makes_activations(two_runs):
    made = dict(query(two_runs["db"], "select action_id, count(*) from marts.fct_lead_activations group by action_id"))
    assert set(made) == {"mql_handoff", "sales_notification", "nurture_enrol", "nurture_exit", "campaign_trigger"}, made
    # Every exit from nurture follows an enrolment of the same lead.
    assert query(two_runs["db"], """
        select count(*) from marts.fct_lead_activations as e
        where e.action_id = 'nurture_exit' and not exists (
            select 1 from marts.fct_lead_activations as n
            where n.action_id = 'nurture_enrol' and n.lead_id = e.lead_id and n.due_at <= e.due_at)
    """) == [(0,)]


def test_the_sample_hands_accounts_to_sales(two_runs):
    """The sample's buying committees make account hand-offs, each with two or more engaged leads."""
    made = query(two_runs["db"], "select action_id, count(*), min(engaged_leads) from marts.fct_account_activations group by all")
    assert [(action, count > 0, fewest >= 2) for action, count, fewest in made] == [("account_mqa_handoff", True, True)]


def test_each_deliverable_activation_reaches_the_outbox_and_its_webhook_once(two_runs):
    db, first = two_runs["db"], two_runs["runs"][0]
    deliverable = dict(query(db, """
        select activation_id, destination from marts.fct_lead_activations where is_deliverable
        union all
        select activation_id, destination from marts.fct_account_activations where is_deliverable"""))
    assert len(deliverable) > 0
    # Account activations go to <destination>/accounts/.
    in_files = [(path.parent.parent.name if path.parent.name == "accounts" else path.parent.name, json.loads(line)["activation_id"])
                for path in first["files"] for line in path.read_text().splitlines()]
    assert sorted(in_files) == sorted((d, a) for a, d in deliverable.items())
    posted = [(path.strip("/"), key) for path, key, _ in first["posts"]]
    assert sorted(posted) == sorted((d, a) for a, d in deliverable.items())
    assert all(body["activation_id"] == key and body["top_reasons"] for _, key, body in first["posts"])
    log = query(db, "select channel, count(distinct activation_id) from activation.delivery_log where status = 'delivered' group by channel")
    assert dict(log) == {"outbox": len(deliverable), "webhook": len(deliverable)}
    # The summary lists the hand-offs per action.
    assert "Hand-offs due today" in first["stdout"]


def test_a_second_run_of_the_same_day_delivers_nothing_new(two_runs):
    first, second = two_runs["runs"]
    assert second["files"] == first["files"]
    assert len(second["posts"]) == len(first["posts"])
    keys = Counter(key for _, key, _ in second["posts"])
    assert max(keys.values()) == 1
    assert query(two_runs["db"], "select count(*) from marts.mart_activation_queue") == [(0,)]


def test_the_outbox_csv_holds_the_same_activations_as_the_json_lines(two_runs):
    for jsonl in two_runs["runs"][0]["files"]:
        csv_file = Path(jsonl).with_suffix(".csv")
        lines = csv_file.read_text().splitlines()
        assert lines[0].startswith("activation_id,")
        assert len(lines) - 1 == len(jsonl.read_text().splitlines())


def test_a_past_scoring_day_gives_the_activations_that_were_due_by_then(two_runs, tmp_path):
    # Point in time: rebuilt for a day a month earlier, the warehouse holds exactly the activations
    # due by that day, with the same ids, times and facts as today's build shows for them.
    past = SAMPLE_END - dt.timedelta(days=30)
    db = tmp_path / "lead_scoring.duckdb"
    shutil.copy(two_runs["db"], db)
    facts = ("activation_id, action_id, lead_id, due_at, mql_episode, lifecycle_stage, total_score, score_band, "
             "top_reasons, triggering_event_id, sales_owner")
    today = query(db, f"select {facts} from marts.fct_lead_activations where due_date <= date '{past}' order by activation_id")
    result = dbt(["build", "--target-path", str(tmp_path / "target"), "--vars", f"{{scoring_as_of_date: '{past}'}}",
                  "--exclude", "resource_type:test", "resource_type:unit_test", "resource_type:snapshot"], db)
    assert result.returncode == 0, result.stdout[-3000:]
    then = query(db, f"select {facts} from marts.fct_lead_activations order by activation_id")
    assert len(then) > 0 and then == today
    assert query(db, "select bool_and(due_date <= as_of_date), min(as_of_date) from marts.fct_lead_activations") == [(True, past)]
