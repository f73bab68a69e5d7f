-- HubSpot activity as raw events (the raw data contract's columns, read by stg_raw__events):
-- sales activity from engagements (calls, emails, meetings), lead status and qualification from
-- the contact property history, marketing email events, form submissions and web analytics
-- events. Each landed name becomes a canonical event type through hubspot_event_names; names not
-- listed there (tasks, notes, sent or delivered emails, other statuses) are not events of the
-- lead's journey and are left out. Properties are written as the JSON the raw contract carries.

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

web_events as (

    select * from {{ source('hubspot', 'contacts_web_analytics') }}

),

-- Which HubSpot name is which canonical event type (seeds/event_types.csv). Web analytics names
-- of custom behavioural events carry the portal's prefix (pe<portal id>_), matched by suffix.
hubspot_event_names as (

    select 'engagement' as kind, 'CALL' as hubspot_name, 'sales_call_attempt' as event_type
    union all select 'engagement', 'EMAIL', 'sales_email_attempt'
    union all select 'engagement', 'MEETING', 'sales_meeting'
    union all select 'lead_status', 'IN_PROGRESS', 'sales_accepted'
    union all select 'lead_status', 'REJECTED', 'sales_rejected'
    union all select 'lead_status', 'UNQUALIFIED', 'disqualified'
    union all select 'email_event', 'OPEN', 'email_open'
    union all select 'email_event', 'CLICK', 'email_click'
    union all select 'email_event', 'STATUSCHANGE', 'email_unsubscribe'
    union all select 'web', 'e_visited_page', 'page_view'
    union all select 'web', 'content_download', 'content_download'
    union all select 'web', 'webinar_registration', 'webinar_registration'
    union all select 'web', 'webinar_attended', 'webinar_attended'
    union all select 'web', 'ad_click', 'ad_click'

),

sales_activity as (

    select
        'engagement-' || cast(engagements.id as {{ dbt.type_string() }})
            || '-' || cast(engagement_contacts.contact_id as {{ dbt.type_string() }}) as event_id,
        cast(engagement_contacts.contact_id as {{ dbt.type_string() }}) as lead_id,
        names.event_type,
        engagements.timestamp as occurred_at,
        {{ json_text_object({'owner': 'engagements.owner_id'}) }} as properties
    from engagements
    inner join engagement_contacts
        on engagement_contacts.engagement_id = engagements.id
    inner join hubspot_event_names as names
        on names.kind = 'engagement'
        and names.hubspot_name = upper(engagements.type)

),

-- A rejection or disqualification gives its reason in the contact property lead_status_reason,
-- set at the same time as the status; the user who made a change (source_id) is its owner.
status_changes as (

    select
        'lead-status-' || cast(statuses.contact_id as {{ dbt.type_string() }})
            || '-' || cast(statuses.timestamp as {{ dbt.type_string() }}) as event_id,
        cast(statuses.contact_id as {{ dbt.type_string() }}) as lead_id,
        names.event_type,
        statuses.timestamp as occurred_at,
        {{ json_text_object({'owner': 'statuses.source_id', 'reason': 'reasons.value'}) }} as properties
    from property_history as statuses
    inner join hubspot_event_names as names
        on names.kind = 'lead_status'
        and names.hubspot_name = upper(statuses.value)
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
        'qualification_update' as event_type,
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
        names.event_type,
        email_events.created as occurred_at,
        {{ json_text_object({
            'email_id': 'email_events.email_campaign_id',
            'newsletter': 'lower(email_campaigns.name)',
        }) }} as properties
    from email_events
    inner join hubspot_event_names as names
        on names.kind = 'email_event'
        and names.hubspot_name = upper(email_events.type)
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
        'form_submit' as event_type,
        form_submissions.timestamp as occurred_at,
        {{ json_text_object({'form_id': 'coalesce(forms.name, form_submissions.form_id)'}) }} as properties
    from form_submissions
    left join forms
        on forms.guid = form_submissions.form_id

),

-- Page URLs become paths (what the scoring rules compare): the part after the host.
web_activity as (

    select
        'web-' || cast(web_events.id as {{ dbt.type_string() }}) as event_id,
        cast(web_events.objectid as {{ dbt.type_string() }}) as lead_id,
        names.event_type,
        web_events.occurredat as occurred_at,
        {{ json_text_object({
            'page_url': url_path('web_events.properties_hs_url'),
            'content_type': 'web_events.properties_hs_asset_type',
        }) }} as properties
    from web_events
    inner join hubspot_event_names as names
        on names.kind = 'web'
        and (
            web_events.eventtype = names.hubspot_name
            or web_events.eventtype like 'pe%\_' || names.hubspot_name escape '\'
        )

),

unioned as (

    select event_id, lead_id, event_type, occurred_at, properties from sales_activity
    union all
    select event_id, lead_id, event_type, occurred_at, properties from status_changes
    union all
    select event_id, lead_id, event_type, occurred_at, properties from qualification_updates
    union all
    select event_id, lead_id, event_type, occurred_at, properties from marketing_emails
    union all
    select event_id, lead_id, event_type, occurred_at, properties from form_events
    union all
    select event_id, lead_id, event_type, occurred_at, properties from web_activity

),

final as (

    select
        cast(unioned.event_id as {{ dbt.type_string() }}) as event_id,
        unioned.lead_id,
        cast(unioned.event_type as {{ dbt.type_string() }}) as event_type,
        cast(unioned.occurred_at as {{ raw_timestamp_type() }}) as occurred_at,
        cast(event_types.source_system as {{ dbt.type_string() }}) as source_system,
        cast(unioned.properties as {{ dbt.type_string() }}) as properties,
        cast(null as {{ raw_timestamp_type() }}) as received_at
    from unioned
    left join {{ ref('event_types') }} as event_types
        on event_types.event_type = unioned.event_type

)

select * from final
