-- One row per scoring model, lead and entry into the mql stage, with the first sales attempt
-- (call or email) and the first real contact (meeting) after it, up to the next MQL entry of the
-- lead and the end of the scoring day. Attempts before the MQL belong to no entry.
-- depends_on: {{ ref('event_types') }}
{%- set as_of_end = scoring_day_end() %}

with

transitions as (

    select * from {{ ref('fct_lead_stage_transitions') }}

),

events as (

    select * from {{ ref('stg_raw__events') }}

),

mql_entries as (

    select
        model_id,
        is_primary_model,
        lead_id,
        transition_number,
        mql_episode,
        transitioned_at as mql_at,
        is_current_stage as is_still_mql,
        lead(transitioned_at) over (
            partition by model_id, lead_id
            order by transition_number
        ) as next_mql_at
    from transitions
    where to_stage = 'mql'

),

sales_touches as (

    select
        lead_id,
        event_id,
        occurred_at,
        event_type,
        sales_owner,
        event_type in ('sales_call_attempt', 'sales_email_attempt') as is_attempt,
        event_type = 'sales_meeting' as is_contact
    from events
    where event_type in ('sales_call_attempt', 'sales_email_attempt', 'sales_meeting')
      and occurred_at < {{ as_of_end }}

),

touches_after_mql as (

    select
        mql_entries.model_id,
        mql_entries.lead_id,
        mql_entries.transition_number,
        sales_touches.event_id,
        sales_touches.occurred_at,
        sales_touches.event_type,
        sales_touches.sales_owner,
        sales_touches.is_attempt,
        sales_touches.is_contact,
        row_number() over (
            partition by mql_entries.model_id, mql_entries.lead_id, mql_entries.transition_number, sales_touches.is_attempt
            order by sales_touches.occurred_at, sales_touches.event_id
        ) as touch_rank
    from mql_entries
    inner join sales_touches
        on sales_touches.lead_id = mql_entries.lead_id
        and sales_touches.occurred_at >= mql_entries.mql_at
        and (mql_entries.next_mql_at is null or sales_touches.occurred_at < mql_entries.next_mql_at)

),

first_touches as (

    select
        model_id,
        lead_id,
        transition_number,
        max(case when is_attempt then occurred_at end) as first_attempt_at,
        max(case when is_attempt then event_type end) as first_attempt_type,
        max(case when is_attempt then sales_owner end) as first_attempt_owner,
        max(case when is_contact then occurred_at end) as first_contact_at
    from touches_after_mql
    where touch_rank = 1
    group by model_id, lead_id, transition_number

),

final as (

    select
        mql_entries.model_id,
        mql_entries.is_primary_model,
        mql_entries.lead_id,
        mql_entries.transition_number,
        mql_entries.mql_episode,
        mql_entries.mql_at,
        mql_entries.is_still_mql,
        first_touches.first_attempt_at,
        first_touches.first_attempt_type,
        first_touches.first_attempt_owner,
        first_touches.first_contact_at
    from mql_entries
    left join first_touches
        on first_touches.model_id = mql_entries.model_id
        and first_touches.lead_id = mql_entries.lead_id
        and first_touches.transition_number = mql_entries.transition_number

)

select * from final
