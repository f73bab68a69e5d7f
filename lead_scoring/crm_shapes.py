"""Generated sample data in the shape a CRM connector lands it, for the demo and the tests on a CRM
source (the dbt var lead_scoring_source, docs/crm-sources.md).

`write_hubspot` turns the native sample files (lead_scoring/sample_data.py: leads/, events/,
opportunities/) into the HubSpot tables the project reads - Fivetran's table and column names, and
Airbyte's contacts_web_analytics stream - in a schema of the DuckDB warehouse, as the connector
would. The same people, companies, deals and activity, so a warehouse built on them gives the
same scores and stages as one built on the native files:

  leads            contact (id = the number in the lead id), company (one per distinct company)
  opportunities    deal, deal_contact, deal_pipeline_stage (closedwon and closedlost are closed)
  sales calls, emails, meetings          engagement, engagement_contact
  accepted, rejected, disqualified      contact_property_history: hs_lead_status IN_PROGRESS,
                                         REJECTED, UNQUALIFIED, the reason as lead_status_reason
  qualification updates                  contact_property_history: budget_confirmed, is_decision_maker
  email opens, clicks, unsubscribes      email_event (recipient = the lead's email), email_campaign
  form submissions                       contact_form_submission, form
  page views, content, webinars, ads     contacts_web_analytics (e_visited_page, pe<portal>_<type>)

An event delivered twice keeps its first copy (a CRM holds each activity once); the time an event
reached the export is not part of these shapes.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from lead_scoring.warehouse import sql_string

CRM_SHAPES = ("hubspot",)
# The portal prefix of custom behavioural events (pe<portal id>_<name>) and the site of page URLs.
PORTAL_PREFIX = "pe4455_"
SITE = "https://www.example-vendor.com"


def _number(column: str) -> str:
    """The number in a sample id (L00000012 -> 12)."""
    return f"cast(substr({column}, 2) as bigint)"


def _hubspot_tables() -> dict[str, str]:
    lead_num = _number("lead_id")
    return {
        "company": """
            select dense_rank() over (order by company_name, company_domain, company_size, industry) as id,
                company_name as property_name, company_domain as property_domain,
                company_size as property_numberofemployees, industry as property_industry, false as is_deleted
            from (select distinct company_name, company_domain, company_size, industry from native_leads)
        """,
        "contact": f"""
            select {lead_num} as id, l.email as property_email, l.first_name as property_firstname,
                l.last_name as property_lastname, l.company_name as property_company,
                l.company_domain as property_website, l.company_size as property_numemployees,
                l.industry as property_industry, l.job_title as property_jobtitle,
                l.country as property_hs_country_region_code, l.lead_source as property_hs_analytics_source,
                l.campaign as property_hs_analytics_first_touch_converting_campaign,
                c.id as property_associatedcompanyid, l.created_at as property_createdate,
                l.updated_at as property_lastmodifieddate, false as _fivetran_deleted
            from native_leads as l
            left join company as c
                on c.property_name is not distinct from l.company_name
                and c.property_domain is not distinct from l.company_domain
                and c.property_numberofemployees is not distinct from l.company_size
                and c.property_industry is not distinct from l.industry
        """,
        "deal_pipeline_stage": """
            select * from (values
                ('discovery', 'discovery', false, false), ('proposal', 'proposal', false, false),
                ('negotiation', 'negotiation', false, false), ('closedwon', 'Closed won', true, true),
                ('closedlost', 'Closed lost', true, false)
            ) as s(stage_id, label, is_closed, closed_won)
        """,
        "deal": f"""
            select {_number('opportunity_id')} as deal_id, replace(stage, '_', '') as deal_pipeline_stage_id,
                amount as property_amount, currency as property_deal_currency_code,
                created_at as property_createdate, closed_at as property_closedate, false as is_deleted
            from native_opportunities
        """,
        "deal_contact": f"""
            select {_number('opportunity_id')} as deal_id, {lead_num} as contact_id from native_opportunities
        """,
        "engagement": f"""
            select {_number('event_id')} as id,
                case event_type when 'sales_call_attempt' then 'CALL' when 'sales_email_attempt' then 'EMAIL'
                    else 'MEETING' end as type,
                properties ->> 'owner' as owner_id, occurred_at as timestamp, true as active
            from native_events
            where event_type in ('sales_call_attempt', 'sales_email_attempt', 'sales_meeting')
        """,
        "engagement_contact": f"""
            select {_number('event_id')} as engagement_id, {lead_num} as contact_id
            from native_events
            where event_type in ('sales_call_attempt', 'sales_email_attempt', 'sales_meeting')
        """,
        "contact_property_history": f"""
            select {lead_num} as contact_id, 'hs_lead_status' as name,
                case event_type when 'sales_accepted' then 'IN_PROGRESS' when 'sales_rejected' then 'REJECTED'
                    else 'UNQUALIFIED' end as value,
                occurred_at as timestamp, 'CRM_UI' as source,
                properties ->> 'owner' as source_id
            from native_events where event_type in ('sales_accepted', 'sales_rejected', 'disqualified')
            union all
            select {lead_num}, 'lead_status_reason', properties ->> 'reason', occurred_at, 'CRM_UI', properties ->> 'owner'
            from native_events where event_type in ('sales_rejected', 'disqualified')
            union all
            select {lead_num}, 'budget_confirmed', properties ->> 'budget_confirmed', occurred_at, 'CRM_UI', properties ->> 'owner'
            from native_events where event_type = 'qualification_update'
            union all
            select {lead_num}, 'is_decision_maker', properties ->> 'is_decision_maker', occurred_at, 'CRM_UI', properties ->> 'owner'
            from native_events where event_type = 'qualification_update'
        """,
        "email_campaign": """
            select dense_rank() over (order by campaign_key) as id, newsletter as name
            from (
                select distinct coalesce(properties ->> 'email_id', 'nl-' || (properties ->> 'newsletter')) as campaign_key,
                    properties ->> 'newsletter' as newsletter
                from native_events where event_type in ('email_open', 'email_click', 'email_unsubscribe')
            )
        """,
        "email_event": f"""
            select {_number('e.event_id')} as id,
                case e.event_type when 'email_open' then 'OPEN' when 'email_click' then 'CLICK'
                    else 'STATUSCHANGE' end as type,
                e.occurred_at as created, l.email as recipient, c.id as email_campaign_id
            from native_events as e
            join native_leads as l on l.lead_id = e.lead_id
            join (
                select dense_rank() over (order by campaign_key) as id, campaign_key
                from (
                    select distinct coalesce(properties ->> 'email_id', 'nl-' || (properties ->> 'newsletter')) as campaign_key
                    from native_events where event_type in ('email_open', 'email_click', 'email_unsubscribe')
                )
            ) as c on c.campaign_key = coalesce(e.properties ->> 'email_id', 'nl-' || (e.properties ->> 'newsletter'))
            where e.event_type in ('email_open', 'email_click', 'email_unsubscribe')
        """,
        "form": """
            select distinct md5(properties ->> 'form_id') as guid, properties ->> 'form_id' as name
            from native_events where event_type = 'form_submit'
        """,
        "contact_form_submission": f"""
            select {lead_num} as contact_id, md5(properties ->> 'form_id') as form_id,
                {_number('event_id')} as conversion_id, occurred_at as timestamp
            from native_events where event_type = 'form_submit'
        """,
        "contacts_web_analytics": f"""
            select {_number('event_id')} as id, {lead_num} as objectId, 'CONTACT' as objectType,
                case event_type when 'page_view' then 'e_visited_page'
                    else '{PORTAL_PREFIX}' || event_type end as eventType,
                occurred_at as occurredAt,
                case when event_type = 'page_view' then {sql_string(SITE)} || (properties ->> 'page_url') end
                    as properties_hs_url,
                properties ->> 'content_type' as properties_hs_asset_type
            from native_events
            where event_type in ('page_view', 'content_download', 'webinar_registration', 'webinar_attended', 'ad_click')
        """,
    }


def write_hubspot(con: duckdb.DuckDBPyConnection, native_dir: Path, schema: str = "hubspot") -> dict[str, int]:
    """Write the native sample files of `native_dir` as HubSpot tables into `schema` of the DuckDB
    connection `con` (replacing them); return the rows per table."""
    source = Path(native_dir)
    con.execute("set TimeZone = 'UTC'")
    for table, order in (("leads", "updated_at desc"), ("events", "coalesce(received_at, occurred_at)"),
                         ("opportunities", "created_at desc")):
        key = {"leads": "lead_id", "events": "event_id", "opportunities": "opportunity_id"}[table]
        files = sql_string(f"{source.as_posix()}/{table}/*.parquet")
        # One row per id, the latest version (the first delivery of an event), as the CRM holds it.
        con.execute(f"""create or replace temp table native_{table} as
            select * exclude (version_rank) from (
                select *, row_number() over (partition by {key} order by {order}) as version_rank
                from read_parquet({files})
            ) where version_rank = 1""")
    con.execute("alter table native_events alter properties type json")
    if not schema.replace("_", "").isalnum():
        raise ValueError(f"schema must be letters, digits and underscores, got {schema!r}")
    target = f'"{schema}"'
    con.execute(f"create schema if not exists {target}")
    rows = {}
    for table, sql in _hubspot_tables().items():
        con.execute(f"create or replace table {target}.{table} as {sql}")
        if table == "company":  # contact joins it by name
            con.execute(f"create or replace temp view company as select * from {target}.company")
        rows[table] = con.execute(f"select count(*) from {target}.{table}").fetchone()[0]
    for name in ("leads", "events", "opportunities"):
        con.execute(f"drop table native_{name}")
    con.execute("drop view company")
    return rows


def write_shape(con: duckdb.DuckDBPyConnection, shape: str, native_dir: Path, schema: str | None = None) -> dict[str, int]:
    """Write the native sample files of `native_dir` in the landed shape of CRM `shape`."""
    if shape == "hubspot":
        return write_hubspot(con, native_dir, schema or "hubspot")
    raise ValueError(f"no sample shape for the source {shape!r}; one of {', '.join(CRM_SHAPES)}")
