-- HubSpot activity as raw events (the raw data contract's columns, read by stg_raw__events):
-- sales activity from engagements, lead status and qualification from the contact property
-- history, marketing email events, form submissions and web analytics events, with source_system
-- hubspot and HubSpot's own names (engagement_call, lead_status_in_progress, email_statuschange,
-- e_visited_page, ...). stg_raw__events turns them into canonical event types through the rows of
-- seed event_type_mapping for source_system hubspot, as for any other system. Records whose name
-- the mapping does not name and that is no canonical type (tasks, notes, sent or delivered
-- emails, other statuses) are not events of the lead's journey and are left out here.
-- Properties are written as the JSON the raw contract carries, with canonical keys.

with

contacts as (

    select
        cast(id as {{ dbt.type_string() }}) as contact_id,
        lower(trim(property_email)) as email
    from {{ source('hubspot', 'contact') }}
    where not coalesce(_fivetran_deleted, false)

),

engagements as (

    select * from {{ source('hubspot', 'engagement') }}
    where coalesce(active, true)

),

engagement_contacts as (

    select * from {{ source('hubspot', 'engagement_contact') }}

),

property_history as (

    select * from {{ source('hubspot', 'contact_property_history') }}

),

email_events as (

    select * from {{ source('hubspot', 'email_event') }}

),

email_campaigns as (

    select * from {{ source('hubspot', 'email_campaign') }}

),

form_submissions as (

    select * from {{ source('hubspot', 'contact_form_submission') }}

),

forms as (

    select * from {{ source('hubspot', 'form') }}

),

-- Airbyte lands this stream's camel-case names as they are, quoted: PostgreSQL tells them apart
-- by case, so they are quoted here too.
web_events as (

    select
        id,
        {{ adapter.quote('objectId') }} as object_id,
        {{ adapter.quote('eventType') }} as event_type,
        {{ adapter.quote('occurredAt') }} as occurred_at,
        properties_hs_url,
        properties_hs_asset_type
    from {{ source('hubspot', 'contacts_web_analytics') }}

),

sales_activity as (

    select
        'engagement-' || cast(engagements.id as {{ dbt.type_string() }})
            || '-' || cast(engagement_contacts.contact_id as {{ dbt.type_string() }}) as event_id,
        cast(engagement_contacts.contact_id as {{ dbt.type_string() }}) as lead_id,
        'engagement_' || lower(engagements.type) as source_event,
        engagements.timestamp as occurred_at,
        {{ json_text_object({'owner': 'engagements.owner_id'}) }} as properties
    from engagements
    inner join engagement_contacts
        on engagement_contacts.engagement_id = engagements.id

),

-- A rejection or disqualification gives its reason in the contact property lead_status_reason,
-- set at the same time as the status; the user who made a change (source_id) is its owner.
status_changes as (

    select
        'lead-status-' || cast(statuses.contact_id as {{ dbt.type_string() }})
            || '-' || cast(statuses.timestamp as {{ dbt.type_string() }}) as event_id,
        cast(statuses.contact_id as {{ dbt.type_string() }}) as lead_id,
        'lead_status_' || lower(statuses.value) as source_event,
        statuses.timestamp as occurred_at,
        {{ json_text_object({'owner': 'statuses.source_id', 'reason': 'reasons.value'}) }} as properties
    from property_history as statuses
    left join property_history as reasons
        on reasons.contact_id = statuses.contact_id
        and reasons.timestamp = statuses.timestamp
        and reasons.name = 'lead_status_reason'
    where statuses.name = 'hs_lead_status'

),

-- Budget confirmed and decision maker (contact properties budget_confirmed, is_decision_maker)
-- set at one time are one qualification update.
qualification_updates as (

    select
        'qualification-' || cast(contact_id as {{ dbt.type_string() }})
            || '-' || cast(timestamp as {{ dbt.type_string() }}) as event_id,
        cast(contact_id as {{ dbt.type_string() }}) as lead_id,
        'qualification_update' as source_event,
        timestamp as occurred_at,
        {{ json_text_object({
            'owner': 'max(source_id)',
            'budget_confirmed': "max(case when name = 'budget_confirmed' then lower(value) end)",
            'is_decision_maker': "max(case when name = 'is_decision_maker' then lower(value) end)",
        }) }} as properties
    from property_history
    where name in ('budget_confirmed', 'is_decision_maker')
    group by contact_id, timestamp

),

-- Email events name their recipient by address, not by contact.
marketing_emails as (

    select
        'email-' || cast(email_events.id as {{ dbt.type_string() }}) || '-' || contacts.contact_id as event_id,
        contacts.contact_id as lead_id,
        'email_' || lower(email_events.type) as source_event,
        email_events.created as occurred_at,
        {{ json_text_object({
            'email_id': 'email_events.email_campaign_id',
            'newsletter': 'lower(email_campaigns.name)',
        }) }} as properties
    from email_events
    inner join contacts
        on contacts.email = lower(trim(email_events.recipient))
    left join email_campaigns
        on email_campaigns.id = email_events.email_campaign_id

),

form_events as (

    select
        'form-' || cast(form_submissions.conversion_id as {{ dbt.type_string() }})
            || '-' || cast(form_submissions.contact_id as {{ dbt.type_string() }}) as event_id,
        cast(form_submissions.contact_id as {{ dbt.type_string() }}) as lead_id,
        'form_submission' as source_event,
        form_submissions.timestamp as occurred_at,
        {{ json_text_object({'form_id': 'coalesce(forms.name, form_submissions.form_id)'}) }} as properties
    from form_submissions
    left join forms
        on forms.guid = form_submissions.form_id

),

-- Page URLs become paths (what the scoring rules compare): the part after the host. Custom
-- behavioural events lose the portal's prefix (pe<portal id>_content_download is content_download).
web_activity as (

    select
        'web-' || cast(web_events.id as {{ dbt.type_string() }}) as event_id,
        cast(web_events.object_id as {{ dbt.type_string() }}) as lead_id,
        case
            when web_events.event_type like 'pe%\_%' escape '\'
                then substr(web_events.event_type, {{ dbt.position("'_'", 'web_events.event_type') }} + 1)
            else web_events.event_type
        end as source_event,
        web_events.occurred_at,
        {{ json_text_object({
            'page_url': url_path('web_events.properties_hs_url'),
            'content_type': 'web_events.properties_hs_asset_type',
        }) }} as properties
    from web_events

),

unioned as (

    select event_id, lead_id, source_event, occurred_at, properties from sales_activity
    union all
    select event_id, lead_id, source_event, occurred_at, properties from status_changes
    union all
    select event_id, lead_id, source_event, occurred_at, properties from qualification_updates
    union all
    select event_id, lead_id, source_event, occurred_at, properties from marketing_emails
    union all
    select event_id, lead_id, source_event, occurred_at, properties from form_events
    union all
    select event_id, lead_id, source_event, occurred_at, properties from web_activity

),

-- The names a row of the mapping gives a type to, for HubSpot or any system, and the canonical types.
known_names as (

    {{ crm_known_event_names(['hubspot']) }}

),

final as (

    select
        cast(unioned.event_id as {{ dbt.type_string() }}) as event_id,
        unioned.lead_id,
        cast(unioned.source_event as {{ dbt.type_string() }}) as event_type,
        cast(unioned.occurred_at as {{ raw_timestamp_type() }}) as occurred_at,
        cast('hubspot' as {{ dbt.type_string() }}) as source_system,
        cast(unioned.properties as {{ dbt.type_string() }}) as properties,
        cast(null as {{ raw_timestamp_type() }}) as received_at
    from unioned
    -- Deleted contacts' activity goes with them.
    inner join contacts
        on contacts.contact_id = unioned.lead_id
    where {{ event_type_name('unioned.source_event') }} in (select known_names.source_event from known_names)

)

select * from final
