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

`write_salesforce` writes them as Salesforce objects (Fivetran's snake-case columns or Airbyte's
API names, `column_style`) and Pardot activity (Fivetran's Pardot tables), in two schemas:

  leads            lead (every lead but contacts without one), contact (converted leads: those with
                   an opportunity, converted when it was created; and one in three leads sales set
                   no status on, as contacts without a lead), account (one per distinct company),
                   campaign, campaign_member (the lead's campaign, no response)
  opportunities    opportunity, opportunity_contact_role (the contact, primary), opportunity_history
  sales calls, emails, meetings          task (Call: every other one a plain task of Type Call;
                                         Email), event; the Contact once converted, else the Lead
  accepted, rejected, disqualified      lead_history: Status Working, Rejected, Unqualified, the
                                         reason as Status_Reason__c
  qualification updates                  lead_history: Budget_Confirmed__c, Decision_Maker__c
  marketing activity                     pardot.prospect (linked to the Lead and the Contact),
                                         pardot.visitor_activity (PARDOT_ACTIVITY)

Ids are 18 characters: the object's key prefix and the number in the native id (00Q...012).
An event delivered twice keeps its first copy (a CRM holds each activity once); the time an event
reached the export is not part of these shapes. The sample's company visits come from a
visitor-identification tool, not the CRM: `write_shape` puts them in the raw table company_visits.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from lead_scoring import settings
from lead_scoring.sample_data import SITE
from lead_scoring.warehouse import sql_string

CRM_SHAPES = ("hubspot", "salesforce")
# The portal prefix of custom behavioural events (pe<portal id>_<name>) and the site of page URLs.
PORTAL_PREFIX = "pe4455_"


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


def _load_native(con: duckdb.DuckDBPyConnection, native_dir: Path) -> None:
    """The native sample files as temp tables native_leads, native_events, native_opportunities."""
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


def _create_schema(con: duckdb.DuckDBPyConnection, schema: str) -> str:
    """Create `schema` (letters, digits, underscores only); return it quoted."""
    if not schema.replace("_", "").isalnum():
        raise ValueError(f"schema must be letters, digits and underscores, got {schema!r}")
    con.execute(f'create schema if not exists "{schema}"')
    return f'"{schema}"'


def write_hubspot(con: duckdb.DuckDBPyConnection, native_dir: Path, schema: str = "hubspot") -> dict[str, int]:
    """Write the native sample files of `native_dir` as HubSpot tables into `schema` of the DuckDB
    connection `con` (replacing them); return the rows per table."""
    _load_native(con, native_dir)
    target = _create_schema(con, schema)
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


# --- Salesforce ----------------------------------------------------------------------------------

SALESFORCE_COLUMN_STYLES = ("fivetran", "airbyte")
# The kinds of native events and the Pardot visitor activity (type code, type_name) written for them.
PARDOT_ACTIVITY = {
    "page_view": (2, "Page"), "content_download": (2, "File"), "form_submit": (4, "Form"),
    "email_open": (11, "Email"), "email_click": (1, "Email"), "email_unsubscribe": (12, "Email"),
    "webinar_registration": (25, "Webinar"), "webinar_attended": (24, "Webinar"), "ad_click": (1, "Paid Search Ad"),
}
SALES_STATUS_EVENTS = ("sales_accepted", "sales_rejected", "disqualified", "qualification_update")


def fivetran_column(api_name: str) -> str:
    """A Salesforce API name as Fivetran lands it (the rule of the dbt macro salesforce_column):
    an underscore before a capital after a lower-case letter or digit, lower case, __ as _."""
    out = []
    for i, char in enumerate(api_name):
        if char.isupper() and i > 0 and (api_name[i - 1].islower() or api_name[i - 1].isdigit()):
            out.append("_")
        out.append(char.lower())
    return "".join(out).replace("__", "_")


def _sf_id(prefix: str, number: str) -> str:
    """An 18-character Salesforce-like id: the object's key prefix and the sample number."""
    return f"'{prefix}' || lpad(cast({number} as varchar), 15, '0')"


def _salesforce_helpers() -> dict[str, str]:
    """Temp tables the Salesforce tables are written from: who each native lead is in Salesforce."""
    lead_num = _number("l.lead_id")
    return {
        # Leads with an opportunity were converted (a Lead and the Contact it became) when their
        # first opportunity was created; leads never touched by sales in the CRM's status fields
        # and without an opportunity are, one in three, contacts without a Lead.
        "sf_people": f"""
            select l.lead_id, {lead_num} as num,
                case when o.lead_id is not null or s.lead_id is not null or {lead_num} % 3 <> 0
                    then {_sf_id('00Q', lead_num)} end as lead_record_id,
                case when o.lead_id is not null or (s.lead_id is null and {lead_num} % 3 = 0)
                    then {_sf_id('003', lead_num)} end as contact_id,
                o.converted_at, o.first_opportunity_num,
                a.id as account_id
            from native_leads as l
            left join (
                select lead_id, min(created_at) as converted_at, min({_number('opportunity_id')}) as first_opportunity_num
                from native_opportunities group by lead_id
            ) as o on o.lead_id = l.lead_id
            left join (
                select distinct lead_id from native_events where event_type in {SALES_STATUS_EVENTS}
            ) as s on s.lead_id = l.lead_id
            left join sf_accounts as a
                on a.name is not distinct from l.company_name and a.website is not distinct from l.company_domain
                and a.number_of_employees is not distinct from l.company_size and a.industry is not distinct from l.industry
        """,
        # Activity names the Contact once there is one and the Lead is converted (or there is no Lead).
        "sf_events": f"""
            select e.*, {_number('e.event_id')} as num, p.lead_record_id,
                case when p.contact_id is not null and (p.lead_record_id is null or e.occurred_at >= p.converted_at)
                    then p.contact_id else p.lead_record_id end as who_id
            from native_events as e join sf_people as p on p.lead_id = e.lead_id
        """,
    }


def _salesforce_tables() -> dict[str, str]:
    """The Salesforce objects, columns by their API names (renamed for Fivetran when written)."""
    return {
        "account": f"""
            select {_sf_id('001', 'id')} as "Id", name as "Name", website as "Website",
                number_of_employees as "NumberOfEmployees", industry as "Industry", false as "IsDeleted"
            from sf_accounts
        """,
        "lead": f"""
            select p.lead_record_id as "Id", l.email as "Email", l.first_name as "FirstName", l.last_name as "LastName",
                l.company_name as "Company", l.company_domain as "Website", l.company_size as "NumberOfEmployees",
                l.industry as "Industry", l.job_title as "Title", l.country as "CountryCode", null::varchar as "Country",
                l.lead_source as "LeadSource", p.contact_id is not null as "IsConverted",
                p.contact_id as "ConvertedContactId",
                case when p.contact_id is not null then {_sf_id('001', 'p.account_id')} end as "ConvertedAccountId",
                case when p.first_opportunity_num is not null then {_sf_id('006', 'p.first_opportunity_num')} end
                    as "ConvertedOpportunityId",
                case when p.contact_id is not null then 'Qualified' else 'Open' end as "Status",
                l.created_at as "CreatedDate", l.updated_at as "LastModifiedDate", false as "IsDeleted"
            from native_leads as l join sf_people as p on p.lead_id = l.lead_id
            where p.lead_record_id is not null
        """,
        "contact": f"""
            select p.contact_id as "Id", {_sf_id('001', 'p.account_id')} as "AccountId", l.email as "Email",
                l.first_name as "FirstName", l.last_name as "LastName", l.job_title as "Title",
                l.country as "MailingCountryCode", null::varchar as "MailingCountry", l.lead_source as "LeadSource",
                coalesce(p.converted_at, l.created_at) as "CreatedDate", l.updated_at as "LastModifiedDate",
                false as "IsDeleted"
            from native_leads as l join sf_people as p on p.lead_id = l.lead_id
            where p.contact_id is not null
        """,
        "campaign": f"""
            select {_sf_id('701', 'dense_rank() over (order by campaign)')} as "Id", campaign as "Name",
                'Advertisement' as "Type", false as "IsDeleted"
            from (select distinct campaign from native_leads where campaign is not null)
        """,
        # The campaign each lead came from, as a membership from its creation on (no response).
        "campaign_member": f"""
            select {_sf_id('00v', 'p.num')} as "Id", c."Id" as "CampaignId", p.lead_record_id as "LeadId",
                p.contact_id as "ContactId", false as "HasResponded", null::date as "FirstRespondedDate",
                l.created_at as "CreatedDate", false as "IsDeleted"
            from native_leads as l join sf_people as p on p.lead_id = l.lead_id
            join sf_campaign as c on c."Name" = l.campaign
        """,
        "opportunity": f"""
            select {_sf_id('006', _number('o.opportunity_id'))} as "Id", {_sf_id('001', 'p.account_id')} as "AccountId",
                case o.stage when 'closed_won' then 'Closed Won' when 'closed_lost' then 'Closed Lost' else o.stage end
                    as "StageName",
                o.amount as "Amount", o.currency as "CurrencyIsoCode", o.created_at as "CreatedDate",
                cast(o.closed_at as date) as "CloseDate", o.stage in ('closed_won', 'closed_lost') as "IsClosed",
                o.stage = 'closed_won' as "IsWon", false as "IsDeleted"
            from native_opportunities as o join sf_people as p on p.lead_id = o.lead_id
        """,
        "opportunity_contact_role": f"""
            select {_sf_id('00K', _number('o.opportunity_id'))} as "Id",
                {_sf_id('006', _number('o.opportunity_id'))} as "OpportunityId", p.contact_id as "ContactId",
                true as "IsPrimary", o.created_at as "CreatedDate", false as "IsDeleted"
            from native_opportunities as o join sf_people as p on p.lead_id = o.lead_id
        """,
        # A closed opportunity's stage history: opened in discovery, closed at closed_at.
        "opportunity_history": f"""
            select {_sf_id('008', _number('opportunity_id') + ' * 2')} as "Id",
                {_sf_id('006', _number('opportunity_id'))} as "OpportunityId",
                case when stage in ('closed_won', 'closed_lost') then 'discovery' else stage end as "StageName",
                created_at as "CreatedDate", false as "IsDeleted"
            from native_opportunities
            union all
            select {_sf_id('008', _number('opportunity_id') + ' * 2 + 1')},
                {_sf_id('006', _number('opportunity_id'))},
                case stage when 'closed_won' then 'Closed Won' else 'Closed Lost' end, closed_at, false
            from native_opportunities where stage in ('closed_won', 'closed_lost')
        """,
        # Calls and emails as tasks (every other call as a plain task of Type Call).
        "task": f"""
            select {_sf_id('00T', 'num')} as "Id", who_id as "WhoId",
                case when event_type = 'sales_email_attempt' then 'Email' when num % 2 = 0 then 'Task' else 'Call' end
                    as "TaskSubtype",
                case when event_type = 'sales_email_attempt' then 'Email' else 'Call' end as "Type",
                properties ->> 'owner' as "OwnerId", properties ->> 'outcome' as "CallDisposition",
                occurred_at as "CompletedDateTime", occurred_at as "CreatedDate", false as "IsDeleted"
            from sf_events where event_type in ('sales_call_attempt', 'sales_email_attempt')
        """,
        "event": f"""
            select {_sf_id('00U', 'num')} as "Id", who_id as "WhoId",
                case when num % 2 = 0 then 'Meeting' end as "Type", properties ->> 'owner' as "OwnerId",
                occurred_at as "StartDateTime", occurred_at as "ActivityDateTime", false as "IsDeleted"
            from sf_events where event_type = 'sales_meeting'
        """,
        # Status, its reason and the qualification fields, changed by the owner (field history).
        "lead_history": f"""
            select {_sf_id('017', 'num * 4')} as "Id", lead_record_id as "LeadId", 'Status' as "Field",
                case event_type when 'sales_accepted' then 'Working' when 'sales_rejected' then 'Rejected'
                    else 'Unqualified' end as "NewValue",
                occurred_at as "CreatedDate", properties ->> 'owner' as "CreatedById", false as "IsDeleted"
            from sf_events where event_type in ('sales_accepted', 'sales_rejected', 'disqualified')
            union all
            select {_sf_id('017', 'num * 4 + 1')}, lead_record_id, 'Status_Reason__c', properties ->> 'reason',
                occurred_at, properties ->> 'owner', false
            from sf_events where event_type in ('sales_rejected', 'disqualified')
            union all
            select {_sf_id('017', 'num * 4 + 2')}, lead_record_id, 'Budget_Confirmed__c',
                properties ->> 'budget_confirmed', occurred_at, properties ->> 'owner', false
            from sf_events where event_type = 'qualification_update'
            union all
            select {_sf_id('017', 'num * 4 + 3')}, lead_record_id, 'Decision_Maker__c',
                properties ->> 'is_decision_maker', occurred_at, properties ->> 'owner', false
            from sf_events where event_type = 'qualification_update'
        """,
    }


def _pardot_tables() -> dict[str, str]:
    """Pardot prospects and visitor activity, in Fivetran's snake-case columns."""
    kinds = " ".join(f"when '{kind}' then {code}" for kind, (code, _) in PARDOT_ACTIVITY.items())
    names = " ".join(f"when '{kind}' then '{name}'" for kind, (_, name) in PARDOT_ACTIVITY.items())
    return {
        "prospect": """
            select p.num as id, l.email, p.lead_record_id as crm_lead_fid, p.contact_id as crm_contact_fid,
                false as _fivetran_deleted
            from native_leads as l join sf_people as p on p.lead_id = l.lead_id
        """,
        "visitor_activity": f"""
            select {_number('event_id')} as id, {_number('lead_id')} as prospect_id,
                case event_type {kinds} end as type, case event_type {names} end as type_name,
                case event_type
                    when 'page_view' then {sql_string(SITE)} || (properties ->> 'page_url')
                    when 'content_download' then properties ->> 'content_type'
                    when 'form_submit' then properties ->> 'form_id'
                    when 'webinar_registration' then properties ->> 'webinar_id'
                    when 'webinar_attended' then properties ->> 'webinar_id'
                    when 'ad_click' then properties ->> 'ad_platform'
                    else properties ->> 'newsletter'
                end as details,
                occurred_at as created_at
            from native_events where event_type in {tuple(PARDOT_ACTIVITY)}
        """,
    }


def write_salesforce(con: duckdb.DuckDBPyConnection, native_dir: Path, schema: str = "salesforce",
                     column_style: str = "fivetran", pardot_schema: str = "pardot") -> dict[str, int]:
    """Write the native sample files of `native_dir` as Salesforce objects into `schema` (columns
    named as `column_style` fivetran or airbyte lands them) and Pardot activity into
    `pardot_schema` of the DuckDB connection `con` (replacing them); return the rows per table."""
    if column_style not in SALESFORCE_COLUMN_STYLES:
        raise ValueError(f"column_style must be one of {', '.join(SALESFORCE_COLUMN_STYLES)}, got {column_style!r}")
    _load_native(con, native_dir)
    con.execute("""create or replace temp table sf_accounts as
        select row_number() over (order by company_name, company_domain, company_size, industry) as id,
            company_name as name, company_domain as website, company_size as number_of_employees, industry
        from (select distinct company_name, company_domain, company_size, industry from native_leads
              where coalesce(company_name, company_domain, cast(company_size as varchar), industry) is not null)""")
    for table, sql in _salesforce_helpers().items():
        con.execute(f"create or replace temp table {table} as {sql}")
    target = _create_schema(con, schema)
    rows = {}
    for table, sql in _salesforce_tables().items():
        con.execute(f"create or replace temp table sf_{table} as {sql}")
        columns = [row[0] for row in con.execute(f"describe sf_{table}").fetchall()]
        names = columns if column_style == "airbyte" else [fivetran_column(c) for c in columns]
        select = ", ".join(f'"{column}" as "{name}"' for column, name in zip(columns, names, strict=True))
        con.execute(f"create or replace table {target}.{table} as select {select} from sf_{table}")
        rows[table] = con.execute(f"select count(*) from {target}.{table}").fetchone()[0]
    pardot = _create_schema(con, pardot_schema)
    for table, sql in _pardot_tables().items():
        con.execute(f"create or replace table {pardot}.{table} as {sql}")
        rows[f"{pardot_schema}.{table}"] = con.execute(f"select count(*) from {pardot}.{table}").fetchone()[0]
    for name in ("leads", "events", "opportunities"):
        con.execute(f"drop table native_{name}")
    for name in ("sf_accounts", *_salesforce_helpers(), *(f"sf_{t}" for t in _salesforce_tables())):
        con.execute(f"drop table {name}")
    return rows


def write_company_visits(con: duckdb.DuckDBPyConnection, native_dir: Path) -> dict[str, int]:
    """The sample's identified company visits into the raw contract's table raw.company_visits,
    which every source reads: they come from a visitor-identification tool, not from the CRM.
    Nothing is written when the folder has none."""
    files = f"{Path(native_dir).as_posix()}/company_visits/*.parquet"
    if not any((Path(native_dir) / "company_visits").glob("*.parquet")):
        return {}
    table = f'"{settings.RAW_SCHEMA}".company_visits'
    con.execute(f'create schema if not exists "{settings.RAW_SCHEMA}"')
    con.execute(f"create or replace table {table} as select * from read_parquet({sql_string(files)})")
    return {f"{settings.RAW_SCHEMA}.company_visits": con.execute(f"select count(*) from {table}").fetchone()[0]}


def write_shape(con: duckdb.DuckDBPyConnection, shape: str, native_dir: Path, schema: str | None = None) -> dict[str, int]:
    """Write the native sample files of `native_dir` in the landed shape of CRM `shape`, and the
    sample's company visits into the raw table (write_company_visits)."""
    if shape == "hubspot":
        rows = write_hubspot(con, native_dir, schema or "hubspot")
    elif shape == "salesforce":
        rows = write_salesforce(con, native_dir, schema or "salesforce", settings.salesforce_column_style(),
                                settings.crm_schema("pardot"))
    else:
        raise ValueError(f"no sample shape for the source {shape!r}; one of {', '.join(CRM_SHAPES)}")
    return rows | write_company_visits(con, native_dir)
