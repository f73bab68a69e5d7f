"""The summary's section "Hand-offs due today" (lead_scoring/summary.py) on a hand-made warehouse
(helpers.activation_warehouse): per action what is due, queued, delivered and failed, with and
without the delivery log; no section without the activation marts."""

from __future__ import annotations

import duckdb

from helpers import activation_warehouse, connect
from lead_scoring.summary import summary_sections

TITLE = "Hand-offs due today"


def handoffs(db) -> tuple[str, list[list[str]]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        found = [(title, text) for title, text in summary_sections(con) if title.startswith(TITLE)]
    finally:
        con.close()
    assert len(found) == 1, found
    title, text = found[0]
    header, _, *rows = text.splitlines()
    # Model names hold a space ("hybrid_v1 (primary)"): the columns are the last seven cells.
    cells = [[" ".join(line.split()[:-7]), *line.split()[-7:]] for line in rows]
    assert header.split()[:2] == ["model", "action"]
    return title, cells


def test_before_the_first_delivery_every_deliverable_activation_is_queued(tmp_path):
    title, rows = handoffs(activation_warehouse(tmp_path / "wh" / "lead_scoring.duckdb"))
    assert "(2026-06-30)" in title and "no delivery has run yet" in title
    assert rows == [
        ["hybrid_v1 (primary)", "campaign_trigger", "campaigns", "1", "1", "1", "0", "0"],
        ["hybrid_v1 (primary)", "mql_handoff", "sales_crm", "1", "1", "1", "0", "0"],
        ["hybrid_v1 (primary)", "nurture_enrol", "nurture", "0", "1", "1", "0", "0"],
        ["hybrid_v1 (primary)", "nurture_exit", "nurture", "0", "0", "0", "0", "0"],  # an active rule with nothing due
        ["hybrid_v1 (primary)", "sales_notification", "sales_crm", "1", "1", "1", "0", "0"],
        ["enterprise_gate_v1", "mql_handoff", "sales_crm", "1", "1", "1", "0", "0"],
    ]


def test_after_a_delivery_the_log_says_what_was_delivered_and_what_failed(tmp_path):
    """L1's hand-off delivered (outbox and webhook), L3's campaign failed twice and stays queued;
    L5's hand-off delivered in May is history, not deliverable today, and not counted."""
    title, rows = handoffs(activation_warehouse(tmp_path / "wh" / "lead_scoring.duckdb", with_log=True))
    assert "no delivery has run yet" not in title
    by_action = {(r[0], r[1]): r[3:] for r in rows}
    assert by_action[("hybrid_v1 (primary)", "mql_handoff")] == ["1", "1", "0", "1", "0"]
    assert by_action[("hybrid_v1 (primary)", "campaign_trigger")] == ["1", "1", "1", "0", "1"]
    assert by_action[("hybrid_v1 (primary)", "nurture_enrol")] == ["0", "1", "1", "0", "0"]


def test_no_section_without_the_activation_marts(tmp_path):
    db = tmp_path / "wh" / "lead_scoring.duckdb"
    connect(db).close()
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert not [title for title, _ in summary_sections(con) if title.startswith(TITLE)]
    finally:
        con.close()


def test_account_activations_are_counted_with_the_lead_actions(tmp_path):
    """An account hand-off due today (marts.fct_account_activations) and queued (the queue holds
    both kinds, target_type account) is a row of its own; an older one that is history is only
    history. The lead actions' rows are those of the warehouse without accounts."""
    db = activation_warehouse(tmp_path / "wh" / "lead_scoring.duckdb")
    _, without_accounts = handoffs(db)
    con = connect(db)
    try:
        con.execute("""
            create table marts.fct_account_activations as select * from (values
                ('account_mqa_handoff:hybrid_v1:crm:ACC1:e1', 'account_mqa_handoff', 'hybrid_v1', true, 'crm:ACC1', 'sales_crm',
                 date '2026-06-30', date '2026-06-30', true),
                ('account_mqa_handoff:hybrid_v1:crm:ACC2:e1', 'account_mqa_handoff', 'hybrid_v1', true, 'crm:ACC2', 'sales_crm',
                 date '2026-05-02', date '2026-06-30', false)
            ) as a(activation_id, action_id, model_id, is_primary_model, account_id, destination, due_date, as_of_date, is_deliverable)""")
        con.execute("alter view marts.mart_activation_queue rename to mart_lead_queue")
        con.execute("""create view marts.mart_activation_queue as
            select model_id, action_id, destination from marts.mart_lead_queue
            union all
            select model_id, action_id, destination from marts.fct_account_activations where is_deliverable""")
    finally:
        con.close()
    _, rows = handoffs(db)
    assert ["hybrid_v1 (primary)", "account_mqa_handoff", "sales_crm", "1", "1", "1", "0", "0"] in rows
    assert [r for r in rows if r[1] != "account_mqa_handoff"] == without_accounts
