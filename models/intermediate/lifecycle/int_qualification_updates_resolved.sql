-- One row per qualification_update with the lead's latest known answers after it. An update that
-- leaves an answer empty keeps the earlier one, so "latest values up to then" is well defined.
-- Waits for the event-type test of stg_raw__events (it also reads the seed), so an unknown event
-- type stops this model like every other reader of events:
-- depends_on: {{ ref('event_types') }}

with

updates as (

    select
        event_id,
        lead_id,
        occurred_at,
        sales_owner,
        budget_confirmed,
        is_decision_maker
    from {{ ref('stg_raw__events') }}
    where event_type = 'qualification_update'

),

-- Portable "last non-null value" (no ignore nulls on every engine): each non-null answer opens a
-- group that the following empty answers fall into.
grouped as (

    select
        updates.*,
        count(budget_confirmed) over (
            partition by lead_id
            order by occurred_at, event_id
            rows between unbounded preceding and current row
        ) as budget_group,
        count(is_decision_maker) over (
            partition by lead_id
            order by occurred_at, event_id
            rows between unbounded preceding and current row
        ) as decision_maker_group
    from updates

),

carried as (

    select
        grouped.*,
        max(case when budget_confirmed then 1 when not budget_confirmed then 0 end) over (
            partition by lead_id, budget_group
        ) as latest_budget_flag,
        max(case when is_decision_maker then 1 when not is_decision_maker then 0 end) over (
            partition by lead_id, decision_maker_group
        ) as latest_decision_maker_flag
    from grouped

),

final as (

    select
        event_id,
        lead_id,
        occurred_at,
        sales_owner,
        budget_confirmed,
        is_decision_maker,
        -- an answer never given counts as not confirmed
        coalesce(latest_budget_flag = 1, false) as latest_budget_confirmed,
        coalesce(latest_decision_maker_flag = 1, false) as latest_is_decision_maker,
        coalesce(latest_budget_flag = 1 and latest_decision_maker_flag = 1, false) as is_sales_qualified
    from carried

)

select * from final
