"""Accounts end to end, from hand-made files: leads roll up to their CRM account or company
domain (free mail excluded), company visits from a Leadfeeder-shaped and an Albacross-shaped
export (their own column names) count toward the account, and the account marts hold the scores
and the first MQA time worked out by hand, and the account funnel (docs/accounts.md).

Model hybrid_v1 (seeds/account_scoring.csv: the best fit plus the top three engagement scores,
MQA at 100 with one lead of engagement 20 or more; engaged account from 25). Scores as of
2026-02-01."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers import dbt, load, query, write_folder
from lead_scoring.activation_delivery import ACCOUNT_COLUMNS, deliver_warehouse

AS_OF = "2026-02-01"
LEADS = pd.DataFrame({
    # L1: Acme's CRM account; size 500 (+15), software (+5), head of (+10), DE (+5): fit 35.
    # L2: acme.com without an account id: joins ACC1. L3: only a gmail address: no account.
    "lead_id": ["L1", "L2", "L3", "L4"],
    "email": ["anna@acme.com", "bob@acme.com", "carl@gmail.com", "dora@beta.io"],
    "company_name": ["Acme", "ACME", None, "Beta"],
    "company_domain": ["https://www.acme.com", "acme.com", None, "beta.io"],
    "company_size": [500, None, None, None],
    "industry": ["Software", None, None, None],
    "job_title": ["Head of Marketing", None, None, None],
    "country": ["DE", None, None, None],
    "account_id": ["ACC1", None, None, None],
    "account_name": ["Acme GmbH", None, None, None],
    "created_at": ["2026-01-10T09:00:00Z", "2026-01-12T09:00:00Z", "2026-01-12T10:00:00Z", "2026-01-15T09:00:00Z"],
})
EVENTS = pd.DataFrame({
    "event_id": ["E1", "E2", "E3"],
    "lead_id": ["L1", "L2", "L3"],
    "event_type": ["form_submit", "page_view", "page_view"],
    "occurred_at": ["2026-01-20T10:00:00Z", "2026-01-20T14:00:00Z", "2026-01-20T15:00:00Z"],
    "properties": ['{"form_id": "demo_request"}', '{"page_url": "/pricing"}', '{"page_url": "/pricing"}'],
})
# Acme's deal, opened after it became an MQA (01-20) and won ten days before the scoring day.
OPPORTUNITIES = pd.DataFrame({
    "opportunity_id": ["O1"], "lead_id": ["L2"], "created_at": ["2026-01-25T10:00:00Z"], "stage": ["closed_won"],
    "amount": [1000.0], "closed_at": ["2026-01-30T10:00:00Z"], "is_won": ["true"],
})
# Leadfeeder-shaped: full URLs, the company's website.
LEADFEEDER = pd.DataFrame({
    "Company name": ["Acme GmbH", "Acme GmbH", "Acme GmbH", "Someone"],
    "Website": ["www.acme.com", "www.acme.com", "www.acme.com", "gmail.com"],
    "Page URL": ["https://example.com/pricing?utm_source=x", "https://example.com/product/x", "https://example.com/product/y",
                 "https://example.com/pricing"],
    "Visit started at": ["2026-01-18T08:00:00Z", "2026-01-18T08:05:00Z", "2026-01-18T08:10:00Z", "2026-01-18T09:00:00Z"],
})
# Albacross-shaped: a company with no lead at all.
ALBACROSS = pd.DataFrame({
    "Company Name": ["Gamma AG"] * 5,
    "Domain": ["gamma.org"] * 5,
    "Page": ["/pricing", "/product/a", "/product/b", "/product/c", "/pricing"],
    "Timestamp": ["2026-01-25T10:00:00Z", "2026-01-25T10:01:00Z", "2026-01-25T10:02:00Z", "2026-01-25T10:03:00Z", "2026-01-26T11:00:00Z"],
})


def raw_files(folder: Path) -> Path:
    """The hand-made export: leads, events, the opportunity and both visit exports."""
    raw = write_folder(folder / "raw", "csv", {"leads": LEADS, "events": EVENTS, "opportunities": OPPORTUNITIES})
    (raw / "company_visits").mkdir()
    LEADFEEDER.to_csv(raw / "company_visits" / "leadfeeder.csv", index=False)
    ALBACROSS.to_csv(raw / "company_visits" / "albacross.csv", index=False)
    return raw


@pytest.fixture(scope="module")
def accounts_warehouse(tmp_path_factory):
    folder = tmp_path_factory.mktemp("accounts")
    raw = raw_files(folder)
    db = folder / "wh" / "lead_scoring.duckdb"
    counts = load(db, raw)
    assert counts["company_visits"] == 9
    result = dbt(["build", "--target-path", str(folder / "target"), "--vars", json.dumps({"scoring_as_of_date": AS_OF}),
                  "--exclude", "resource_type:unit_test", "--indirect-selection", "cautious",
                  "--select", "+dim_accounts", "+fct_account_scores", "+mart_account_scores_current", "+mart_account_funnel"], db)
    assert result.returncode == 0, result.stdout[-4000:]
    return db


def test_leads_and_visits_roll_up_to_accounts(accounts_warehouse):
    rows = query(accounts_warehouse, """
        select account_id, account_source, crm_account_id, account_name, account_domain, leads_count, visits_count
        from marts.dim_accounts order by account_id""")
    assert rows == [
        ("crm:ACC1", "crm", "ACC1", "Acme GmbH", "acme.com", 2, 3),
        ("domain:beta.io", "domain", None, "Beta", "beta.io", 1, 0),
        ("domain:gamma.org", "domain", None, "Gamma AG", "gamma.org", 0, 5),
    ]
    assert query(accounts_warehouse, "select count(*) from intermediate.int_lead_accounts where lead_id = 'L3'") == [(0,)]


def test_account_score_history_and_first_mqa(accounts_warehouse):
    rows = query(accounts_warehouse, """
        select cast(score_date as varchar), best_fit_score, lead_engagement_score, visit_engagement_score, account_score,
               engaged_leads, is_engaged_account, is_mqa, is_first_mqa, cast(changed_at as varchar)
        from marts.fct_account_scores where model_id = 'hybrid_v1' and account_id = 'crm:ACC1' order by score_date""")
    decayed_visit = 20 * 2 ** (-2 / 14) + 6  # the pricing visit two days later (half-life 14), product pages 2 x 3
    assert rows == [
        ("2026-01-10", 35.0, 0.0, 0.0, 35.0, 0, False, False, False, "2026-01-10 09:00:00"),
        ("2026-01-12", 35.0, 0.0, 0.0, 35.0, 0, False, False, False, "2026-01-12 09:00:00"),
        ("2026-01-18", 35.0, 0.0, 26.0, 61.0, 0, True, False, False, "2026-01-18 08:10:00"),
        # The demo request (30) and L2's pricing view (20): two engaged leads, 35 + 50 + 24.1 = 109.1.
        ("2026-01-20", 35.0, 50.0, pytest.approx(decayed_visit), pytest.approx(35 + 50 + decayed_visit), 2, True, True, True,
         "2026-01-20 14:00:00"),
    ]


def test_current_account_scores(accounts_warehouse):
    rows = {row[0]: row[1:] for row in query(accounts_warehouse, """
        select account_id, lead_engagement_score, visit_engagement_score, account_score, engaged_leads, is_engaged_account,
               is_mqa, cast(first_mqa_date as varchar), cast(first_mqa_at as varchar)
        from marts.mart_account_scores_current where model_id = 'hybrid_v1'""")}
    # Twelve days after the demo request (half-life 30) and the pricing view (14); the visits of 01-18.
    acme_leads = 30 * 2 ** (-12 / 30) + 20 * 2 ** (-12 / 14)
    assert rows["crm:ACC1"] == (pytest.approx(acme_leads), pytest.approx(16.0), pytest.approx(35 + acme_leads + 16), 1, True,
                                False, "2026-01-20", "2026-01-20 14:00:00")
    # Gamma: visits only - engaged without a lead, never an MQA (no engaged lead). Its two pricing
    # visits (14.1 + 14.9) stay within the rule's max_points 20; its product pages within 9.
    gamma_visits = 20 + 9
    assert rows["domain:gamma.org"] == (0.0, pytest.approx(gamma_visits), pytest.approx(gamma_visits), 0, True, False, None, None)
    assert rows["domain:beta.io"] == (0.0, 0.0, 0.0, 0, False, False, None, None)


def test_a_company_known_only_from_visits_is_engaged_before_any_lead(accounts_warehouse):
    rows = query(accounts_warehouse, """
        select cast(score_date as varchar), leads_count, visit_engagement_score, account_score, is_engaged_account, is_mqa
        from marts.fct_account_scores where model_id = 'hybrid_v1' and account_id = 'domain:gamma.org' order by score_date""")
    # 01-25: pricing 20 + three product pages 9; 01-26: a second pricing visit, but the rule gives at most 20.
    assert rows == [("2026-01-25", 0, 29.0, 29.0, True, False), ("2026-01-26", 0, 29.0, 29.0, True, False)]


def test_account_funnel_of_the_january_cohort(accounts_warehouse):
    rows = query(accounts_warehouse, """
        select stage, cohort_accounts, reached_accounts, previous_stage_accounts, reached_within_30d, conversion_within_30d, is_immature_30d
        from marts.mart_account_funnel where model_id = 'hybrid_v1' order by cohort_month, stage_order""")
    # Acme, Beta and Gamma were first seen in January; only Acme became an MQA, had a deal and won
    # it (20 days after its first lead). On 02-01 January is immature for 30 days: no rate yet.
    assert rows == [
        ("account", 3, 3, 3, 3, None, True),
        ("mqa", 3, 1, 3, 1, None, True),
        ("opportunity", 3, 1, 1, 1, None, True),
        ("won", 3, 1, 1, 1, None, True),
    ]



def test_the_summary_counts_accounts_per_model(accounts_warehouse):
    """Of Acme, Beta and Gamma (no lead), Acme and Gamma are engaged; no account is an MQA on 02-01
    (Acme fell to 84.8 with one engaged lead), Acme's first MQA (01-20) is within the last 30 days."""
    import duckdb

    from lead_scoring.summary import summary_sections

    con = duckdb.connect(str(accounts_warehouse), read_only=True)
    try:
        found = [text for title, text in summary_sections(con) if title.startswith("Accounts today")]
    finally:
        con.close()
    assert len(found) == 1
    header, _, *rows = found[0].splitlines()
    assert header.split()[:2] == ["model", "accounts"]
    assert [line.split() for line in rows if line.startswith("hybrid_v1")] == [["hybrid_v1", "(primary)", "3", "1", "2", "0", "1"]]


# --- rules that target accounts (docs/activation.md) ------------------------------------------------

# Two days after Acme became an MQA (01-20 14:00), within account_mqa_handoff's deliver_within_days (7).
HANDOFF_DAY = "2026-01-22"
ACME_HANDOFF = "account_mqa_handoff:hybrid_v1:crm:ACC1:e1"


def build_activations(db: Path, target: Path, as_of: str):
    return dbt(["build", "--target-path", str(target), "--vars", json.dumps({"scoring_as_of_date": as_of}),
                "--exclude", "resource_type:unit_test", "--indirect-selection", "cautious",
                "--select", "+fct_account_activations", "+mart_activation_queue"], db)


@pytest.fixture(scope="module")
def account_handoffs(tmp_path_factory):
    """The hand-made files built for 01-22 and delivered twice (runs r1, r2): the outbox files and
    the results."""
    folder = tmp_path_factory.mktemp("account_handoffs")
    db = folder / "wh" / "lead_scoring.duckdb"
    load(db, raw_files(folder))
    result = build_activations(db, folder / "target", HANDOFF_DAY)
    assert result.returncode == 0, result.stdout[-4000:]
    queued = query(db, "select target_type, target_id, action_id from marts.mart_activation_queue where target_type = 'account'")
    runs = [deliver_warehouse(db, run_id=run_id) for run_id in ("r1", "r2")]
    return {"db": db, "folder": folder, "queued": queued, "runs": runs}


def test_an_account_that_became_an_mqa_is_handed_to_sales_once(account_handoffs):
    """Acme is an MQA from 01-20 14:00 (L2's pricing view: 35 + 50 + 24.11 = 109.11, two engaged
    leads, as account_mqa_handoff's min_engaged_leads asks): one hand-off, episode 1, with its leads most engaged first - L1's demo request (30)
    before L2's pricing view (20). Beta (no engagement) and Gamma (visits only, no engaged lead)
    never qualify, so only Acme has an activation."""
    db = account_handoffs["db"]
    rows = query(db, """
        select activation_id, account_id, account_name, destination, cast(due_at as varchar), mqa_episode, account_score,
               is_mqa, engaged_leads, leads_count, top_engaged_lead_ids, is_deliverable
        from marts.fct_account_activations order by activation_id""")
    assert rows == [(ACME_HANDOFF, "crm:ACC1", "Acme GmbH", "sales_crm", "2026-01-20 14:00:00", 1, 109.11, True, 2, 2, "L1|L2", True)]
    assert account_handoffs["queued"] == [("account", "crm:ACC1", "account_mqa_handoff")]


def test_the_account_handoff_reaches_the_outbox_once_with_the_leads_emails(account_handoffs):
    first, second = account_handoffs["runs"]
    outbox = account_handoffs["db"].parent / "outbox"
    assert sorted(str(p.relative_to(outbox)) for p in first.files if "/accounts/" in str(p)) == [
        "sales_crm/accounts/2026-01-22_r1.csv", "sales_crm/accounts/2026-01-22_r1.jsonl"]
    records = [json.loads(line) for line in (outbox / "sales_crm" / "accounts" / "2026-01-22_r1.jsonl").read_text().splitlines()]
    assert [list(r) for r in records] == [list(ACCOUNT_COLUMNS)]
    assert {k: records[0][k] for k in ("activation_id", "account_id", "due_at", "top_engaged_lead_ids", "top_engaged_lead_emails")} == {
        "activation_id": ACME_HANDOFF, "account_id": "crm:ACC1", "due_at": "2026-01-20T14:00:00Z",
        "top_engaged_lead_ids": "L1|L2", "top_engaged_lead_emails": "anna@acme.com|bob@acme.com"}
    assert (outbox / "sales_crm" / "accounts" / "2026-01-22_r1.csv").read_text().splitlines()[0] == ",".join(ACCOUNT_COLUMNS)
    # The second run of the day sends nothing; the log has the hand-off delivered once.
    assert second.files == [] and second.delivered == 0
    assert query(account_handoffs["db"], "select run_id, status from activation.delivery_log where activation_id = ? order by logged_at, status",
                 [ACME_HANDOFF]) == [("r1", "pending"), ("r1", "delivered")]


def test_a_later_scoring_day_keeps_the_handoff_and_makes_no_second_one(account_handoffs, tmp_path):
    """Rebuilt for 02-01: the same activation with the same facts (point in time), no longer
    deliverable (12 days old) and no second hand-off - Acme has no change day after 01-20 on which
    it is not an MQA, and its deal (open from 01-25, won 01-30) suppresses the rule from then on."""
    db = tmp_path / "lead_scoring.duckdb"
    shutil.copy(account_handoffs["db"], db)
    facts = "activation_id, account_id, due_at, mqa_episode, account_score, engaged_leads, top_engaged_lead_ids"
    before = query(db, f"select {facts} from marts.fct_account_activations order by activation_id")
    result = build_activations(db, tmp_path / "target", AS_OF)
    assert result.returncode == 0, result.stdout[-4000:]
    assert query(db, f"select {facts} from marts.fct_account_activations order by activation_id") == before
    assert query(db, "select is_deliverable, cast(as_of_date as varchar) from marts.fct_account_activations") == [(False, AS_OF)]
