-- Salesforce activity as raw events (the raw data contract's columns, read by stg_raw__events),
-- with Salesforce's own names, source_system salesforce: logged calls and emails (Task, by
-- TaskSubtype, else Type: task_call, task_email), meetings (Event: event_meeting), lead status
-- changes from the lead field history (lead_status_<Status>, the reason from Status_Reason__c
-- changed at the same time), qualification fields (Budget_Confirmed__c, Decision_Maker__c changed
-- together: one qualification_update) and campaign responses (campaign_response_<campaign Type>).
-- Pardot visitor activity comes with source_system pardot (pardot_<asset>_<action>, e.g.
-- pardot_email_open), when its tables exist. stg_raw__events turns the names into canonical
-- event types through the rows of seed event_type_mapping for the system, as for any other; a
-- record whose name no row and no canonical type knows (other task types, other statuses) is no
-- event of the lead's journey and is left out here. Activity names a person by lead or contact
-- id; it belongs to that person's lead (stg_salesforce__people), so a converted lead keeps the
-- activity of its contact. Properties are written as the JSON the raw contract carries.
{%- set has_pardot = not execute or 'sources' not in graph
    or (load_relation(source('pardot', 'visitor_activity')) is not none
        and load_relation(source('pardot', 'prospect')) is not none) %}

with

people as (

    select * from {{ ref('stg_salesforce__people') }}

),

tasks as (

    select
        cast({{ salesforce_column('Id') }} as {{ dbt.type_string() }}) as task_id,
        cast({{ salesforce_column('WhoId') }} as {{ dbt.type_string() }}) as person_id,
        -- TaskSubtype Task is a plain to-do: its Type (Call, Email, ...) says what was done.
        coalesce(nullif({{ salesforce_column('TaskSubtype') }}, 'Task'), {{ salesforce_column('Type') }}) as task_kind,
        {{ salesforce_column('OwnerId') }} as owner_id,
        {{ salesforce_column('CallDisposition') }} as call_disposition,
        coalesce({{ salesforce_column('CompletedDateTime') }}, {{ salesforce_column('CreatedDate') }}) as occurred_at
    from {{ source('salesforce', 'task') }}
    where not coalesce({{ salesforce_column('IsDeleted') }}, false)

),

calendar_events as (

    select
        cast({{ salesforce_column('Id') }} as {{ dbt.type_string() }}) as calendar_event_id,
        cast({{ salesforce_column('WhoId') }} as {{ dbt.type_string() }}) as person_id,
        coalesce({{ salesforce_column('Type') }}, 'Meeting') as event_kind,
        {{ salesforce_column('OwnerId') }} as owner_id,
        coalesce({{ salesforce_column('StartDateTime') }}, {{ salesforce_column('ActivityDateTime') }}) as occurred_at
    from {{ source('salesforce', 'event') }}
    where not coalesce({{ salesforce_column('IsDeleted') }}, false)

),

lead_history as (

    select
        cast({{ salesforce_column('LeadId') }} as {{ dbt.type_string() }}) as person_id,
        {{ salesforce_column('Field') }} as field_name,
        cast({{ salesforce_column('NewValue') }} as {{ dbt.type_string() }}) as new_value,
        {{ salesforce_column('CreatedDate') }} as changed_at,
        {{ salesforce_column('CreatedById') }} as changed_by_id
    from {{ source('salesforce', 'lead_history') }}
    where not coalesce({{ salesforce_column('IsDeleted') }}, false)

),

campaign_members as (

    select
        cast({{ salesforce_column('Id') }} as {{ dbt.type_string() }}) as campaign_member_id,
        cast(coalesce({{ salesforce_column('ContactId') }}, {{ salesforce_column('LeadId') }}) as {{ dbt.type_string() }}) as person_id,
        cast({{ salesforce_column('CampaignId') }} as {{ dbt.type_string() }}) as campaign_id,
        {{ salesforce_column('HasResponded') }} as has_responded,
        -- FirstRespondedDate is a date: the response counts at the start of that day.
        coalesce(
            cast({{ salesforce_column('FirstRespondedDate') }} as {{ raw_timestamp_type() }}),
            cast({{ salesforce_column('CreatedDate') }} as {{ raw_timestamp_type() }})
        ) as responded_at
    from {{ source('salesforce', 'campaign_member') }}
    where not coalesce({{ salesforce_column('IsDeleted') }}, false)

),

campaigns as (

    select
        cast({{ salesforce_column('Id') }} as {{ dbt.type_string() }}) as campaign_id,
        {{ salesforce_column('Name') }} as campaign_name,
        {{ salesforce_column('Type') }} as campaign_type
    from {{ source('salesforce', 'campaign') }}

),

sales_tasks as (

    select
        'task-' || task_id as event_id,
        person_id,
        cast('salesforce' as {{ dbt.type_string() }}) as source_system,
        'task_' || lower(task_kind) as source_event,
        occurred_at,
        {{ json_text_object({'owner': 'owner_id', 'outcome': 'call_disposition'}) }} as properties
    from tasks
    where task_kind is not null

),

meetings as (

    select
        'event-' || calendar_event_id as event_id,
        person_id,
        cast('salesforce' as {{ dbt.type_string() }}) as source_system,
        'event_' || lower(event_kind) as source_event,
        occurred_at,
        {{ json_text_object({'owner': 'owner_id'}) }} as properties
    from calendar_events

),

-- A rejection or disqualification gives its reason in the lead field Status_Reason__c, changed
-- at the same time as Status; the user who made the change is the owner.
status_changes as (

    select
        'lead-status-' || statuses.person_id || '-' || cast(statuses.changed_at as {{ dbt.type_string() }}) as event_id,
        statuses.person_id,
        cast('salesforce' as {{ dbt.type_string() }}) as source_system,
        'lead_status_' || statuses.new_value as source_event,
        statuses.changed_at as occurred_at,
        {{ json_text_object({'owner': 'statuses.changed_by_id', 'reason': 'reasons.new_value'}) }} as properties
    from lead_history as statuses
    left join lead_history as reasons
        on reasons.person_id = statuses.person_id
        and reasons.changed_at = statuses.changed_at
        and reasons.field_name = 'Status_Reason__c'
    where statuses.field_name = 'Status'

),

-- Budget_Confirmed__c and Decision_Maker__c changed at one time are one qualification update.
qualification_updates as (

    select
        'qualification-' || person_id || '-' || cast(changed_at as {{ dbt.type_string() }}) as event_id,
        person_id,
        cast('salesforce' as {{ dbt.type_string() }}) as source_system,
        'qualification_update' as source_event,
        changed_at as occurred_at,
        {{ json_text_object({
            'owner': 'max(changed_by_id)',
            'budget_confirmed': "max(case when field_name = 'Budget_Confirmed__c' then lower(new_value) end)",
            'is_decision_maker': "max(case when field_name = 'Decision_Maker__c' then lower(new_value) end)",
        }) }} as properties
    from lead_history
    where field_name in ('Budget_Confirmed__c', 'Decision_Maker__c')
    group by person_id, changed_at

),

campaign_responses as (

    select
        'campaign-member-' || campaign_members.campaign_member_id as event_id,
        campaign_members.person_id,
        cast('salesforce' as {{ dbt.type_string() }}) as source_system,
        'campaign_response_' || campaigns.campaign_type as source_event,
        campaign_members.responded_at as occurred_at,
        {{ json_text_object({'campaign': 'campaigns.campaign_name'}) }} as properties
    from campaign_members
    inner join campaigns
        on campaigns.campaign_id = campaign_members.campaign_id
    where coalesce(campaign_members.has_responded, false)

),

{% if has_pardot -%}
prospects as (

    select
        id as prospect_id,
        lower(trim(email)) as email,
        cast(crm_lead_fid as {{ dbt.type_string() }}) as crm_lead_fid,
        cast(crm_contact_fid as {{ dbt.type_string() }}) as crm_contact_fid
    from {{ source('pardot', 'prospect') }}
    where not coalesce(_fivetran_deleted, false)

),

visitor_activities as (

    select * from {{ source('pardot', 'visitor_activity') }}

),

-- A prospect is the Salesforce person it syncs with (contact, else lead), else the first lead
-- with its email address.
lead_emails as (

    select
        lower(trim(email)) as email,
        min(lead_id) as lead_id
    from {{ ref('stg_salesforce__leads') }}
    group by lower(trim(email))

),

prospect_leads as (

    select
        prospects.prospect_id,
        coalesce(prospects.crm_contact_fid, prospects.crm_lead_fid, lead_emails.lead_id) as person_id
    from prospects
    left join lead_emails
        on lead_emails.email = prospects.email

),

-- The activity's name: the asset (type_name: Email, Page, File, Form, Webinar, ...) and the
-- action its type code stands for; the details name the asset (a page's URL, a file's or a
-- form's name, an email's or a webinar's name).
pardot_activity as (

    select
        'pardot-' || cast(visitor_activities.id as {{ dbt.type_string() }}) as event_id,
        prospect_leads.person_id,
        cast('pardot' as {{ dbt.type_string() }}) as source_system,
        'pardot_' || visitor_activities.type_name || '_'
        || case visitor_activities.type
            when 1 then 'click'
            when 2 then 'view'
            when 4 then 'success'
            when 6 then 'sent'
            when 11 then 'open'
            when 12 then 'unsubscribe'
            when 24 then 'attended'
            when 25 then 'registered'
            else cast(visitor_activities.type as {{ dbt.type_string() }})
        end as source_event,
        visitor_activities.created_at as occurred_at,
        {{ json_text_object({
            'page_url': "case when visitor_activities.type_name in ('Page', 'Landing Page') then " ~ url_path('visitor_activities.details') ~ " end",
            'content_type': "case when visitor_activities.type_name = 'File' then visitor_activities.details end",
            'form_id': "case when visitor_activities.type_name in ('Form', 'Form Handler') then visitor_activities.details end",
            'newsletter': "case when visitor_activities.type_name = 'Email' then lower(visitor_activities.details) end",
            'webinar_id': "case when visitor_activities.type_name = 'Webinar' then visitor_activities.details end",
            'ad_platform': "case when visitor_activities.type_name = 'Paid Search Ad' then visitor_activities.details end",
        }) }} as properties
    from visitor_activities
    inner join prospect_leads
        on prospect_leads.prospect_id = visitor_activities.prospect_id

),
{%- endif %}

unioned as (

    select event_id, person_id, source_system, source_event, occurred_at, properties from sales_tasks
    union all
    select event_id, person_id, source_system, source_event, occurred_at, properties from meetings
    union all
    select event_id, person_id, source_system, source_event, occurred_at, properties from status_changes
    union all
    select event_id, person_id, source_system, source_event, occurred_at, properties from qualification_updates
    union all
    select event_id, person_id, source_system, source_event, occurred_at, properties from campaign_responses
    {%- if has_pardot %}
    union all
    select event_id, person_id, source_system, source_event, occurred_at, properties from pardot_activity
    {%- endif %}

),

-- The names a row of the mapping gives a type to, per system, and the canonical types.
known_names as (

    {{ crm_known_event_names(['salesforce', 'pardot']) }}

),

final as (

    select
        cast(unioned.event_id as {{ dbt.type_string() }}) as event_id,
        people.lead_id,
        cast(unioned.source_event as {{ dbt.type_string() }}) as event_type,
        cast(unioned.occurred_at as {{ raw_timestamp_type() }}) as occurred_at,
        unioned.source_system,
        cast(unioned.properties as {{ dbt.type_string() }}) as properties,
        cast(null as {{ raw_timestamp_type() }}) as received_at
    from unioned
    -- Activity of deleted people goes with them.
    inner join people
        on people.person_id = unioned.person_id
    inner join known_names
        on known_names.source_system = unioned.source_system
        and known_names.source_event = {{ event_type_name('unioned.source_event') }}

)

select * from final
