"""CRM sources (docs/crm-sources.md): the HubSpot and the Salesforce tables as a connector lands them
give the scores and stages worked out by hand on small hand-made examples, and the sample data
written in either CRM's shape gives the same scores and stages as the same people in the native
shape."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from helpers import SAMPLE_END, dbt, query

AS_OF = "2026-03-31"

# Two contacts and one deleted one, in Fivetran's table shapes (web analytics as Airbyte lands it).
# Anna (contact 101) works for company 9001; Ben (102) has no company record, his contact carries
# the company facts. Noise that must not count: a note, a delivered email, a deleted contact (and
# its call).
HUBSPOT_FIXTURE = {
    "company": """
        select * from (values (9001, 'Acme Software GmbH', 'https://www.Acme.io/', 250, 'SOFTWARE', false))
            as t(id, property_name, property_domain, property_numberofemployees, property_industry, is_deleted)
    """,
    "contact": """
        select * from (values
            (101, 'Anna.Schmidt@acme.io', 'Anna', 'Schmidt', 'Acme', null, null, null, 'Head of Marketing', 'DE',
             'ORGANIC_SEARCH', 'spring-launch', 9001, timestamp '2026-03-01 10:00:00', timestamp '2026-03-20 10:00:00', false),
            (102, ' BEN@TinyShop.com ', 'Ben', 'Berg', 'Tiny Shop', 'tinyshop.com', 5, 'retail', 'Student assistant', 'US',
             'PAID_SOCIAL', null, null, timestamp '2026-03-10 08:00:00', null, false),
            (103, 'gone@example.com', 'Gone', 'Away', null, null, null, null, null, null,
             null, null, null, timestamp '2026-03-05 08:00:00', null, true)
        ) as t(id, property_email, property_firstname, property_lastname, property_company, property_website,
               property_numemployees, property_industry, property_jobtitle, property_hs_country_region_code,
               property_hs_analytics_source, property_hs_analytics_first_touch_converting_campaign,
               property_associatedcompanyid, property_createdate, property_lastmodifieddate, _fivetran_deleted)
    """,
    "deal": """
        select * from (values (5001, 'discovery', 12000.0, 'EUR', timestamp '2026-03-31 12:00:00', null, false))
            as t(deal_id, deal_pipeline_stage_id, property_amount, property_deal_currency_code,
                 property_createdate, property_closedate, is_deleted)
    """,
    "deal_contact": "select * from (values (5001, 101)) as t(deal_id, contact_id)",
    "deal_pipeline_stage": """
        select * from (values ('discovery', 'Discovery', false, false), ('closedwon', 'Closed won', true, true))
            as t(stage_id, label, is_closed, closed_won)
    """,
    "engagement": """
        select * from (values
            (7001, 'CALL', 'owner-1', timestamp '2026-03-31 08:00:00', true),
            (7002, 'NOTE', 'owner-1', timestamp '2026-03-31 08:05:00', true)
        ) as t(id, type, owner_id, timestamp, active)
    """,
    "engagement_contact": "select * from (values (7001, 101), (7001, 102), (7001, 103), (7002, 101)) as t(engagement_id, contact_id)",
    "contact_property_history": """
        select * from (values
            (101, 'hs_lead_status', 'IN_PROGRESS', timestamp '2026-03-31 10:00:00', 'owner-1'),
            (101, 'budget_confirmed', 'true', timestamp '2026-03-31 11:00:00', 'owner-1'),
            (101, 'is_decision_maker', 'true', timestamp '2026-03-31 11:00:00', 'owner-1'),
            (102, 'hs_lead_status', 'UNQUALIFIED', timestamp '2026-03-31 09:00:00', 'owner-2'),
            (102, 'lead_status_reason', 'student', timestamp '2026-03-31 09:00:00', 'owner-2')
        ) as t(contact_id, name, value, timestamp, source_id)
    """,
    "email_campaign": "select * from (values (61, 'Product')) as t(id, name)",
    "email_event": """
        select * from (values
            (1, 'OPEN', timestamp '2026-03-29 07:00:00', 'ben@tinyshop.com', 61),
            (2, 'OPEN', timestamp '2026-03-30 07:10:00', 'Ben@TinyShop.com', 61),
            (3, 'OPEN', timestamp '2026-03-31 07:20:00', 'ben@tinyshop.com', 61),
            (4, 'DELIVERED', timestamp '2026-03-31 06:59:00', 'ben@tinyshop.com', 61),
            (5, 'STATUSCHANGE', timestamp '2026-03-31 07:30:00', 'ben@tinyshop.com', 61)
        ) as t(id, type, created, recipient, email_campaign_id)
    """,
    "form": "select * from (values ('f-7c1a', 'demo_request')) as t(guid, name)",
    "contact_form_submission": """
        select * from (values (101, 'f-7c1a', 'conv-1', timestamp '2026-03-31 09:30:00'))
            as t(contact_id, form_id, conversion_id, timestamp)
    """,
    "contacts_web_analytics": """
        select * from (values
            ('w1', 101, 'CONTACT', 'e_visited_page', timestamp '2026-03-31 09:00:00',
             'https://www.example-vendor.com/pricing?utm_source=ads', null)
        ) as t(id, objectId, objectType, eventType, occurredAt, properties_hs_url, properties_hs_asset_type)
    """,
}


def build(db_path: Path, as_of: str, source: str) -> None:
    result = dbt(["build", "--exclude-resource-type", "unit_test", "--target-path", str(db_path.parent / "target"),
                  "--vars", f"{{lead_scoring_source: {source}, scoring_as_of_date: '{as_of}'}}"], db_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def hubspot_fixture_warehouse(tmp_path_factory) -> Path:
    db_path = tmp_path_factory.mktemp("hubspot_fixture") / "lead_scoring.duckdb"
    with duckdb.connect(str(db_path)) as con:
        con.execute("create schema hubspot")
        for table, sql in HUBSPOT_FIXTURE.items():
            con.execute(f"create table hubspot.{table} as {sql}")
    build(db_path, AS_OF, "hubspot")
    return db_path


def test_hubspot_activity_becomes_the_canonical_events(hubspot_fixture_warehouse):
    events = query(hubspot_fixture_warehouse, """
        select lead_id, event_type, strftime(occurred_at, '%H:%M'), coalesce(page_url, form_id, newsletter, reason, sales_owner, ''),
            budget_confirmed, is_decision_maker
        from staging.stg_raw__events order by lead_id, occurred_at, event_type
    """)
    assert events == [
        ("101", "sales_call_attempt", "08:00", "owner-1", None, None),
        ("101", "page_view", "09:00", "/pricing", None, None),
        ("101", "form_submit", "09:30", "demo_request", None, None),
        ("101", "sales_accepted", "10:00", "owner-1", None, None),
        ("101", "qualification_update", "11:00", "owner-1", True, True),
        ("102", "email_open", "07:00", "product", None, None),
        ("102", "email_open", "07:10", "product", None, None),
        ("102", "email_open", "07:20", "product", None, None),
        ("102", "email_unsubscribe", "07:30", "product", None, None),
        ("102", "sales_call_attempt", "08:00", "owner-1", None, None),
        ("102", "disqualified", "09:00", "student", None, None),
    ]


def test_hubspot_contacts_and_deals_become_leads_and_opportunities(hubspot_fixture_warehouse):
    assert query(hubspot_fixture_warehouse, """
        select lead_id, email, company_name, company_domain, company_size, industry, country_code, lead_source,
            crm_account_id, crm_account_name
        from staging.stg_raw__leads order by lead_id
    """) == [
        ("101", "anna.schmidt@acme.io", "Acme Software GmbH", "acme.io", 250, "software", "DE", "organic_search",
         "9001", "Acme Software GmbH"),
        ("102", "ben@tinyshop.com", "Tiny Shop", "tinyshop.com", 5, "retail", "US", "paid_social", None, None),
    ]
    assert query(hubspot_fixture_warehouse, """
        select opportunity_id, lead_id, account_name, stage, amount, currency, is_closed, closed_at
        from staging.stg_raw__opportunities
    """) == [("5001", "101", "Acme Software GmbH", "discovery", 12000.0, "EUR", False, None)]


def test_hubspot_fixture_scores_and_stages_as_worked_out_by_hand(hubspot_fixture_warehouse):
    """hybrid_v1 (MQL at 70). Anna: fit 15 (250 employees) + 5 (software) + 10 (head of) + 5 (DE)
    = 35; engagement on the scoring day itself, so no decay: pricing page 20 + demo request 30 = 50;
    total 85, an MQL at the demo request (35 + 20 = 55 before it), then accepted, qualified (budget
    and decision maker) and an open deal: opportunity. Ben: fit -10 (5 employees) - 20 (student) =
    -30; product newsletter opens on three days (one a day counts) 15, the unsubscribe -10: engagement 5, total -25; marked
    UNQUALIFIED with reason student: disqualified."""
    rows = query(hubspot_fixture_warehouse, """
        select lead_id, fit_score, round(engagement_score, 6), round(total_score, 6), current_stage,
            strftime(first_mql_at, '%Y-%m-%d %H:%M'), disqualification_reason
        from marts.dim_leads order by lead_id
    """)
    assert rows == [
        ("101", 35, 50.0, 85.0, "opportunity", "2026-03-31 09:30", None),
        ("102", -30, 5.0, -25.0, "disqualified", None, "student"),
    ]
    stages = query(hubspot_fixture_warehouse, """
        select lead_id, list(to_stage order by transition_number)
        from marts.fct_lead_stage_transitions where model_id = 'hybrid_v1'
        group by lead_id order by lead_id
    """)
    assert stages == [("101", ["lead", "mql", "sal", "sql", "opportunity"]), ("102", ["lead", "disqualified"])]


# Three people and a deleted lead in Salesforce's objects, columns by their API names (written
# as Fivetran or Airbyte lands them), plus Pardot activity. Anna was a Lead (101), converted into
# Contact 101 at account 9001: her Lead's stale title loses to the Contact's, her Pardot prospect
# syncs with the Contact, a meeting names the Contact, her opportunity's primary contact role is
# the Contact - all of it is lead 00Q...101. Ben is an unconverted Lead whose prospect has no CRM
# link (matched by email). Carla is a Contact without a Lead (at Anna's account) who responded to
# a webinar campaign and is a non-primary contact role of Anna's opportunity. A second Lead of
# Anna's (105), converted into her Contact later, stays a lead of its own (the first converted
# lead is the Contact's), with the account's company facts. Noise that must not
# count: a task of Type Other, a default status Open - Not Contacted, a Pardot email sent, a
# deleted lead and its call, a deleted opportunity.
ANNA_LEAD, ANNA_CONTACT, BEN_LEAD, CARLA_CONTACT, GONE_LEAD, ANNA_AGAIN = (
    "00Q000000000000101", "003000000000000101", "00Q000000000000102", "003000000000000103", "00Q000000000000104",
    "00Q000000000000105")
ACME = "001000000000009001"
SALESFORCE_FIXTURE = {
    "lead": f"""
        select * from (values
            ('{ANNA_LEAD}', 'Anna.Schmidt@acme.io', 'Anna', 'Schmidt', 'Acme', null, null, null, 'Marketing Manager',
             'DE', null, 'Web', true, '{ANNA_CONTACT}', '{ACME}', '006000000000005001',
             timestamp '2026-03-01 10:00:00', timestamp '2026-03-31 12:00:00', false),
            ('{BEN_LEAD}', ' BEN@TinyShop.com ', 'Ben', 'Berg', 'Tiny Shop', 'tinyshop.com', 5, 'retail', 'Student assistant',
             'US', null, 'Paid Social', false, null, null, null, timestamp '2026-03-10 08:00:00', null, false),
            ('{GONE_LEAD}', 'gone@example.com', 'Gone', 'Away', 'Gone Ltd', null, null, null, null,
             null, null, null, false, null, null, null, timestamp '2026-03-05 08:00:00', null, true),
            ('{ANNA_AGAIN}', 'anna@acme.io', 'Anna', 'Schmidt', 'Acme', null, null, null, null,
             null, null, 'Trade Show', true, '{ANNA_CONTACT}', '{ACME}', null,
             timestamp '2026-03-15 10:00:00', timestamp '2026-03-31 12:00:00', false)
        ) as t("Id", "Email", "FirstName", "LastName", "Company", "Website", "NumberOfEmployees", "Industry", "Title",
               "CountryCode", "Country", "LeadSource", "IsConverted", "ConvertedContactId", "ConvertedAccountId",
               "ConvertedOpportunityId", "CreatedDate", "LastModifiedDate", "IsDeleted")
    """,
    "contact": f"""
        select * from (values
            ('{ANNA_CONTACT}', '{ACME}', 'anna.schmidt@acme.io', 'Anna', 'Schmidt', 'Head of Marketing', 'DE', null, null,
             timestamp '2026-03-31 11:45:00', timestamp '2026-03-31 11:45:00', false),
            ('{CARLA_CONTACT}', '{ACME}', 'carla@acme.io', 'Carla', 'Costa', 'Engineer', 'FR', null, 'Partner',
             timestamp '2026-03-20 09:00:00', null, false)
        ) as t("Id", "AccountId", "Email", "FirstName", "LastName", "Title", "MailingCountryCode", "MailingCountry",
               "LeadSource", "CreatedDate", "LastModifiedDate", "IsDeleted")
    """,
    "account": f"""
        select * from (values ('{ACME}', 'Acme Software GmbH', 'https://www.Acme.io/', 250, 'Software', false))
            as t("Id", "Name", "Website", "NumberOfEmployees", "Industry", "IsDeleted")
    """,
    "opportunity": f"""
        select * from (values
            ('006000000000005001', '{ACME}', 'Discovery', 12000.0, 'EUR', timestamp '2026-03-31 12:00:00',
             date '2026-06-30', false, false, false),
            ('006000000000005002', null, 'Closed Won', 500.0, 'USD', timestamp '2026-03-20 12:00:00',
             date '2026-03-25', true, true, true)
        ) as t("Id", "AccountId", "StageName", "Amount", "CurrencyIsoCode", "CreatedDate", "CloseDate", "IsClosed",
               "IsWon", "IsDeleted")
    """,
    "opportunity_contact_role": f"""
        select * from (values
            ('00K000000000000001', '006000000000005001', '{CARLA_CONTACT}', false, timestamp '2026-03-31 12:00:00', false),
            ('00K000000000000002', '006000000000005001', '{ANNA_CONTACT}', true, timestamp '2026-03-31 12:01:00', false),
            ('00K000000000000003', '006000000000005002', '{CARLA_CONTACT}', true, timestamp '2026-03-20 12:00:00', false)
        ) as t("Id", "OpportunityId", "ContactId", "IsPrimary", "CreatedDate", "IsDeleted")
    """,
    "opportunity_history": """
        select * from (values ('006000000000005001', 'Discovery', timestamp '2026-03-31 12:00:00', false))
            as t("OpportunityId", "StageName", "CreatedDate", "IsDeleted")
    """,
    "task": f"""
        select * from (values
            ('00T000000000007001', '{ANNA_LEAD}', 'Call', 'Call', 'owner-1', 'Left voicemail',
             timestamp '2026-03-31 08:00:00', timestamp '2026-03-31 08:01:00', false),
            ('00T000000000007002', '{BEN_LEAD}', 'Task', 'Call', 'owner-1', null, null, timestamp '2026-03-31 08:00:00', false),
            ('00T000000000007003', '{ANNA_LEAD}', 'Task', 'Other', 'owner-1', null, null, timestamp '2026-03-31 08:05:00', false),
            ('00T000000000007004', '{GONE_LEAD}', 'Call', 'Call', 'owner-1', null, null, timestamp '2026-03-31 08:00:00', false)
        ) as t("Id", "WhoId", "TaskSubtype", "Type", "OwnerId", "CallDisposition", "CompletedDateTime", "CreatedDate",
               "IsDeleted")
    """,
    "event": f"""
        select * from (values
            ('00U000000000000001', '{ANNA_CONTACT}', null, 'owner-1', timestamp '2026-03-31 11:30:00',
             timestamp '2026-03-31 11:30:00', false)
        ) as t("Id", "WhoId", "Type", "OwnerId", "StartDateTime", "ActivityDateTime", "IsDeleted")
    """,
    "lead_history": f"""
        select * from (values
            ('017000000000000001', '{BEN_LEAD}', 'Status', 'Open - Not Contacted', timestamp '2026-03-10 08:00:00', 'owner-2', false),
            ('017000000000000002', '{ANNA_LEAD}', 'Status', 'Working', timestamp '2026-03-31 10:00:00', 'owner-1', false),
            ('017000000000000003', '{ANNA_LEAD}', 'Budget_Confirmed__c', 'true', timestamp '2026-03-31 11:00:00', 'owner-1', false),
            ('017000000000000004', '{ANNA_LEAD}', 'Decision_Maker__c', 'true', timestamp '2026-03-31 11:00:00', 'owner-1', false),
            ('017000000000000005', '{BEN_LEAD}', 'Status', 'Unqualified', timestamp '2026-03-31 09:00:00', 'owner-2', false),
            ('017000000000000006', '{BEN_LEAD}', 'Status_Reason__c', 'student', timestamp '2026-03-31 09:00:00', 'owner-2', false)
        ) as t("Id", "LeadId", "Field", "NewValue", "CreatedDate", "CreatedById", "IsDeleted")
    """,
    "campaign": """
        select * from (values ('701000000000000001', 'Spring webinar', 'Webinar', false))
            as t("Id", "Name", "Type", "IsDeleted")
    """,
    "campaign_member": f"""
        select * from (values
            ('00v000000000000001', '701000000000000001', null, '{CARLA_CONTACT}', true, date '2026-03-31',
             timestamp '2026-03-25 09:00:00', false),
            ('00v000000000000002', '701000000000000001', '{BEN_LEAD}', null, false, null,
             timestamp '2026-03-25 09:00:00', false)
        ) as t("Id", "CampaignId", "LeadId", "ContactId", "HasResponded", "FirstRespondedDate", "CreatedDate", "IsDeleted")
    """,
}
PARDOT_FIXTURE = {
    "prospect": f"""
        select * from (values
            (1, 'anna.schmidt@acme.io', null, '{ANNA_CONTACT}', false),
            (2, 'ben@tinyshop.com', null, null, false)
        ) as t(id, email, crm_lead_fid, crm_contact_fid, _fivetran_deleted)
    """,
    "visitor_activity": """
        select * from (values
            (11, 1, 2, 'Page', 'https://www.example-vendor.com/pricing?utm_source=ads', timestamp '2026-03-31 09:00:00'),
            (12, 1, 4, 'Form', 'demo_request', timestamp '2026-03-31 09:30:00'),
            (21, 2, 11, 'Email', 'Product', timestamp '2026-03-29 07:00:00'),
            (22, 2, 11, 'Email', 'Product', timestamp '2026-03-30 07:10:00'),
            (23, 2, 11, 'Email', 'Product', timestamp '2026-03-31 07:20:00'),
            (24, 2, 6, 'Email', 'Product', timestamp '2026-03-31 06:59:00'),
            (25, 2, 12, 'Email', 'Product', timestamp '2026-03-31 07:30:00')
        ) as t(id, prospect_id, type, type_name, details, created_at)
    """,
}


def salesforce_warehouse(db_path: Path, column_style: str) -> Path:
    """The Salesforce fixture with columns as `column_style` lands them, built on AS_OF."""
    from lead_scoring.crm_shapes import fivetran_column

    with duckdb.connect(str(db_path)) as con:
        con.execute("create schema salesforce")
        con.execute("create schema pardot")
        for table, sql in SALESFORCE_FIXTURE.items():
            con.execute(f"create temp view landed as {sql}")
            columns = [row[0] for row in con.execute("describe landed").fetchall()]
            names = columns if column_style == "airbyte" else [fivetran_column(c) for c in columns]
            select = ", ".join(f'"{c}" as "{n}"' for c, n in zip(columns, names, strict=True))
            con.execute(f"create table salesforce.{table} as select {select} from landed")
            con.execute("drop view landed")
        for table, sql in PARDOT_FIXTURE.items():
            con.execute(f"create table pardot.{table} as {sql}")
    result = dbt(["build", "--exclude-resource-type", "unit_test", "--target-path", str(db_path.parent / "target"),
                  "--vars", f"{{lead_scoring_source: salesforce, lead_scoring_salesforce_column_style: {column_style}, "
                            f"scoring_as_of_date: '{AS_OF}'}}"], db_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return db_path


@pytest.fixture(scope="module")
def salesforce_fixture_warehouse(tmp_path_factory) -> Path:
    return salesforce_warehouse(tmp_path_factory.mktemp("salesforce_fixture") / "lead_scoring.duckdb", "fivetran")


def test_salesforce_activity_becomes_the_canonical_events(salesforce_fixture_warehouse):
    """Anna's call named her Lead, her page view and demo request her prospect (synced with her
    Contact), her meeting her Contact: all hers. Ben's prospect has no CRM link and is matched by
    email; his plain task of Type Call is a call. Carla's webinar response counts on the day she
    first responded (a date: midnight)."""
    events = query(salesforce_fixture_warehouse, """
        select lead_id, event_type, strftime(occurred_at, '%H:%M'), coalesce(page_url, form_id, newsletter, reason, sales_owner, ''),
            budget_confirmed, is_decision_maker, source_system
        from staging.stg_raw__events order by lead_id, occurred_at, event_type
    """)
    assert events == [
        (CARLA_CONTACT, "webinar_attended", "00:00", "", None, None, "salesforce"),
        (ANNA_LEAD, "sales_call_attempt", "08:00", "owner-1", None, None, "salesforce"),
        (ANNA_LEAD, "page_view", "09:00", "/pricing", None, None, "pardot"),
        (ANNA_LEAD, "form_submit", "09:30", "demo_request", None, None, "pardot"),
        (ANNA_LEAD, "sales_accepted", "10:00", "owner-1", None, None, "salesforce"),
        (ANNA_LEAD, "qualification_update", "11:00", "owner-1", True, True, "salesforce"),
        (ANNA_LEAD, "sales_meeting", "11:30", "owner-1", None, None, "salesforce"),
        (BEN_LEAD, "email_open", "07:00", "product", None, None, "pardot"),
        (BEN_LEAD, "email_open", "07:10", "product", None, None, "pardot"),
        (BEN_LEAD, "email_open", "07:20", "product", None, None, "pardot"),
        (BEN_LEAD, "email_unsubscribe", "07:30", "product", None, None, "pardot"),
        (BEN_LEAD, "sales_call_attempt", "08:00", "owner-1", None, None, "salesforce"),
        (BEN_LEAD, "disqualified", "09:00", "student", None, None, "salesforce"),
    ]


def test_salesforce_leads_contacts_and_opportunities(salesforce_fixture_warehouse):
    """One lead per person: Anna's Lead and Contact are one lead under the Lead's id, with the
    Contact's title and her account's company facts; Ben's company facts are his Lead's own; Carla
    is a lead under her Contact's id; Anna's second Lead is a lead of its own, with the account's
    facts and none of the Contact's. The opportunity's primary contact role (Anna's Contact) wins
    over the earlier non-primary one (Carla); the deleted opportunity is left out."""
    assert query(salesforce_fixture_warehouse, """
        select lead_id, email, job_title, company_name, company_domain, company_size, industry, country_code,
            lead_source, campaign, crm_account_id, crm_account_name
        from staging.stg_raw__leads order by lead_id
    """) == [
        (CARLA_CONTACT, "carla@acme.io", "Engineer", "Acme Software GmbH", "acme.io", 250, "software", "FR", "partner",
         "spring webinar", ACME, "Acme Software GmbH"),
        (ANNA_LEAD, "anna.schmidt@acme.io", "Head of Marketing", "Acme Software GmbH", "acme.io", 250, "software", "DE",
         "web", None, ACME, "Acme Software GmbH"),
        (BEN_LEAD, "ben@tinyshop.com", "Student assistant", "Tiny Shop", "tinyshop.com", 5, "retail", "US", "paid social",
         "spring webinar", None, None),
        (ANNA_AGAIN, "anna@acme.io", None, "Acme Software GmbH", "acme.io", 250, "software", None, "trade show", None,
         ACME, "Acme Software GmbH"),
    ]
    assert query(salesforce_fixture_warehouse, """
        select opportunity_id, lead_id, account_name, stage, amount, currency, is_closed, closed_at
        from staging.stg_raw__opportunities
    """) == [("006000000000005001", ANNA_LEAD, "Acme Software GmbH", "discovery", 12000.0, "EUR", False, None)]


def test_salesforce_fixture_scores_and_stages_as_worked_out_by_hand(salesforce_fixture_warehouse):
    """hybrid_v1 (MQL at 70), as for the HubSpot fixture. Anna: fit 15 (250 employees) + 5
    (software) + 10 (head of, the Contact's title) + 5 (DE) = 35; engagement on the scoring day,
    no decay: pricing page 20 + demo request 30 = 50; total 85, an MQL at the demo request (55
    before it), then accepted, qualified and an open opportunity: opportunity. Ben: fit -10 (5
    employees) - 20 (student) = -30; three product opens on three days 15, unsubscribe -10:
    engagement 5, total -25; Unqualified with reason student: disqualified. Carla: fit 15 + 5
    (Acme's size and industry; engineer and FR score nothing) = 20; webinar attended on the
    scoring day 15; total 35, below 70: a lead. Anna's second Lead: fit 15 + 5 (Acme) = 20, no
    activity: total 20, a lead."""
    rows = query(salesforce_fixture_warehouse, """
        select lead_id, fit_score, round(engagement_score, 6), round(total_score, 6), current_stage,
            strftime(first_mql_at, '%Y-%m-%d %H:%M'), disqualification_reason
        from marts.dim_leads order by lead_id
    """)
    assert rows == [
        (CARLA_CONTACT, 20, 15.0, 35.0, "lead", None, None),
        (ANNA_LEAD, 35, 50.0, 85.0, "opportunity", "2026-03-31 09:30", None),
        (BEN_LEAD, -30, 5.0, -25.0, "disqualified", None, "student"),
        (ANNA_AGAIN, 20, 0.0, 20.0, "lead", None, None),
    ]
    stages = query(salesforce_fixture_warehouse, """
        select lead_id, list(to_stage order by transition_number)
        from marts.fct_lead_stage_transitions where model_id = 'hybrid_v1'
        group by lead_id order by lead_id
    """)
    assert stages == [
        (CARLA_CONTACT, ["lead"]),
        (ANNA_LEAD, ["lead", "mql", "sal", "sql", "opportunity"]),
        (BEN_LEAD, ["lead", "disqualified"]),
        (ANNA_AGAIN, ["lead"]),
    ]


def test_salesforce_airbyte_column_style_stages_the_same(salesforce_fixture_warehouse, tmp_path):
    """The same objects with Airbyte's column names (the API names, quoted) stage the same leads,
    events and opportunities."""
    airbyte = salesforce_warehouse(tmp_path / "lead_scoring.duckdb", "airbyte")
    for table in ("stg_raw__leads", "stg_raw__events", "stg_raw__opportunities"):
        sql = f"select * from staging.{table} order by all"
        fivetran_rows = query(salesforce_fixture_warehouse, sql)
        assert fivetran_rows and query(airbyte, sql) == fivetran_rows, table


@pytest.mark.parametrize("shape", ["hubspot", "salesforce"])
def test_sample_data_in_a_crm_shape_scores_as_the_native_shape(built_warehouse, sample_raw_dir, tmp_path, shape):
    """The session's sample (native files, loaded and built in built_warehouse) written as the
    CRM's tables and built with lead_scoring_source set to the CRM: the same scores, score
    history, MQL episodes and stages, lead by lead. A lead's id ends in the number in the native
    lead id (HubSpot: the contact id is that number; Salesforce: the 18-character Lead or Contact
    Id ends in it, and converted leads keep the Lead's)."""
    from lead_scoring.crm_shapes import write_shape

    db_path = tmp_path / "lead_scoring.duckdb"
    with duckdb.connect(str(db_path)) as con:
        write_shape(con, shape, sample_raw_dir)
    build(db_path, SAMPLE_END.isoformat(), shape)
    with duckdb.connect() as con:
        con.execute(f"attach '{built_warehouse}' as native (read_only)")
        con.execute(f"attach '{db_path}' as crm (read_only)")
        for table in ("dim_leads", "fct_lead_scores", "fct_lead_mql_episodes", "fct_lead_stage_transitions"):
            # source_id names the CRM record a stage comes from: another id by construction.
            columns = [c for c in con.execute(f"describe native.marts.{table}").fetchall() if c[0] != "source_id"]
            native = ", ".join(f"round({c}, 6)" if t in ("DOUBLE", "FLOAT") else c for c, t, *_ in columns)
            crm = ", ".join(
                f"round({c}, 6)" if t in ("DOUBLE", "FLOAT") else ("'L' || lpad(right(lead_id, 8), 8, '0')" if c == "lead_id" else c)
                for c, t, *_ in columns)
            total = con.execute(f"select count(*) from native.marts.{table}").fetchone()[0]
            only_native = con.execute(f"select count(*) from (select {native} from native.marts.{table} "
                                      f"except all select {crm} from crm.marts.{table})").fetchone()[0]
            only_crm = con.execute(f"select count(*) from (select {crm} from crm.marts.{table} "
                                   f"except all select {native} from native.marts.{table})").fetchone()[0]
            assert (table, total > 0, only_native, only_crm) == (table, True, 0, 0)
