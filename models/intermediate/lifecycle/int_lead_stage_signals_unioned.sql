-- Every fact that may move a lead to another lifecycle stage, per scoring model and lead: its
-- creation, MQL episodes (per model), sales acceptances, rejections and disqualifications,
-- qualification updates that leave both answers true, and opportunities opened, won or lost.
-- Whether a signal really moves the lead is decided in int_lead_stage_signals_evaluated.
-- Point in time: only what happened on or before the scoring day (var scoring_as_of_date).

--
-- Incremental by lead: a run recomputes the leads int_lead_lifecycle_scope restates.
{%- set as_of = scoring_as_of_date() %}
{{ restated_by_lead('int_lead_lifecycle_scope') }}

with

leads as (

    select leads.lead_id, leads.created_at
    from {{ ref('stg_raw__leads') }} as leads
    {{ leads_in_scoring_scope('leads', 'int_lead_lifecycle_scope') }}
    where cast(leads.created_at as date) <= {{ as_of }}

),

scoring_models as (

    select model_id, is_primary from {{ ref('int_scoring_models') }}

),

mql_episodes as (

    select mql_episodes.*
    from {{ ref('fct_lead_mql_episodes') }} as mql_episodes
    {{ leads_in_scoring_scope('mql_episodes', 'int_lead_lifecycle_scope') }}

),

crm_events as (

    select events.event_id, events.lead_id, events.event_type, events.occurred_at, events.sales_owner, events.reason
    from {{ ref('stg_raw__events') }} as events
    {{ leads_in_scoring_scope('events', 'int_lead_lifecycle_scope') }}
    where event_type in ('sales_accepted', 'sales_rejected', 'disqualified')
      and cast(occurred_at as date) <= {{ as_of }}

),

qualifications as (

    select * from {{ ref('int_qualification_updates_resolved') }}
    where is_sales_qualified
      and cast(occurred_at as date) <= {{ as_of }}

),

-- An opportunity closed after the scoring day was still open on it.
opportunities as (

    select
        opportunities.opportunity_id,
        opportunities.lead_id,
        opportunities.created_at,
        case when cast(opportunities.closed_at as date) <= {{ as_of }} then opportunities.closed_at end as closed_at,
        opportunities.is_won
    from {{ ref('stg_raw__opportunities') }} as opportunities
    {{ leads_in_scoring_scope('opportunities', 'int_lead_lifecycle_scope') }}
    where cast(opportunities.created_at as date) <= {{ as_of }}

),

-- closed_lost only when the lost opportunity leaves the lead without any open one.
lost_closings as (

    select
        lost.opportunity_id,
        lost.lead_id,
        lost.closed_at,
        count(other.opportunity_id) as other_open_opportunities
    from opportunities as lost
    left join opportunities as other
        on other.lead_id = lost.lead_id
        and other.opportunity_id <> lost.opportunity_id
        and other.created_at <= lost.closed_at
        and (other.closed_at is null or other.closed_at > lost.closed_at)
    where lost.closed_at is not null
      and not lost.is_won
    group by lost.opportunity_id, lost.lead_id, lost.closed_at

),

-- Sales and opportunity facts are the same under every scoring model.
shared_signals as (

    select
        lead_id,
        occurred_at as signal_at,
        case event_type
            when 'sales_accepted' then 'sal'
            when 'sales_rejected' then 'recycled'
            else 'disqualified'
        end as to_stage,
        event_type as source_event_type,
        event_id as source_id,
        reason,
        sales_owner
    from crm_events

    union all

    select
        lead_id,
        occurred_at as signal_at,
        'sql' as to_stage,
        'qualification_update' as source_event_type,
        event_id as source_id,
        {{ dbt.cast('null', dbt.type_string()) }} as reason,
        sales_owner
    from qualifications

    union all

    select
        lead_id,
        created_at as signal_at,
        'opportunity' as to_stage,
        'opportunity_created' as source_event_type,
        opportunity_id as source_id,
        {{ dbt.cast('null', dbt.type_string()) }} as reason,
        {{ dbt.cast('null', dbt.type_string()) }} as sales_owner
    from opportunities

    union all

    select
        lead_id,
        closed_at as signal_at,
        'customer' as to_stage,
        'opportunity_won' as source_event_type,
        opportunity_id as source_id,
        {{ dbt.cast('null', dbt.type_string()) }} as reason,
        {{ dbt.cast('null', dbt.type_string()) }} as sales_owner
    from opportunities
    where closed_at is not null
      and is_won

    union all

    select
        lead_id,
        closed_at as signal_at,
        'closed_lost' as to_stage,
        'opportunity_lost' as source_event_type,
        opportunity_id as source_id,
        {{ dbt.cast('null', dbt.type_string()) }} as reason,
        {{ dbt.cast('null', dbt.type_string()) }} as sales_owner
    from lost_closings
    where other_open_opportunities = 0

),

per_model_signals as (

    select
        scoring_models.model_id,
        leads.lead_id,
        leads.created_at as signal_at,
        'lead' as to_stage,
        'lead_created' as source_event_type,
        leads.lead_id as source_id,
        {{ dbt.cast('null', dbt.type_int()) }} as mql_episode,
        {{ dbt.cast('null', dbt.type_string()) }} as reason,
        {{ dbt.cast('null', dbt.type_string()) }} as sales_owner
    from leads
    cross join scoring_models

    union all

    select
        mql_episodes.model_id,
        mql_episodes.lead_id,
        mql_episodes.mql_at as signal_at,
        'mql' as to_stage,
        'mql_episode' as source_event_type,
        {{ dbt.cast('mql_episodes.mql_episode', dbt.type_string()) }} as source_id,
        mql_episodes.mql_episode,
        {{ dbt.cast('null', dbt.type_string()) }} as reason,
        {{ dbt.cast('null', dbt.type_string()) }} as sales_owner
    from mql_episodes

    union all

    select
        scoring_models.model_id,
        shared_signals.lead_id,
        shared_signals.signal_at,
        shared_signals.to_stage,
        shared_signals.source_event_type,
        shared_signals.source_id,
        {{ dbt.cast('null', dbt.type_int()) }} as mql_episode,
        shared_signals.reason,
        shared_signals.sales_owner
    from shared_signals
    cross join scoring_models

),

final as (

    select
        per_model_signals.model_id,
        scoring_models.is_primary as is_primary_model,
        per_model_signals.lead_id,
        leads.created_at as lead_created_at,
        -- a fact stamped before the lead existed counts at the lead's creation
        case
            when per_model_signals.signal_at < leads.created_at then leads.created_at
            else per_model_signals.signal_at
        end as signal_at,
        per_model_signals.to_stage,
        -- order of signals at the same instant: along the main path, then detours
        case per_model_signals.to_stage
            when 'lead' then 0
            when 'mql' then 1
            when 'sal' then 2
            when 'sql' then 3
            when 'opportunity' then 4
            when 'customer' then 5
            when 'closed_lost' then 6
            when 'recycled' then 7
            else 8
        end as signal_priority,
        per_model_signals.source_event_type,
        per_model_signals.source_id,
        per_model_signals.mql_episode,
        per_model_signals.reason,
        per_model_signals.sales_owner
    from per_model_signals
    inner join leads on leads.lead_id = per_model_signals.lead_id
    inner join scoring_models on scoring_models.model_id = per_model_signals.model_id

)

select * from final
