-- The current SLA breaches, for sales: one row per primary-model MQL that is still an MQL, has
-- had no sales attempt, and whose SLA hours are over - oldest first in hours overdue.
{%- set as_of_end = scoring_day_end() %}

with

speed as (

    select * from {{ ref('fct_mql_speed_to_lead') }}
    where is_primary_model
      and is_open_breach

),

final as (

    select
        model_id,
        lead_id,
        mql_episode,
        mql_at,
        sla_deadline_at,
        sla_hours,
        cast({{ dbt.datediff('sla_deadline_at', as_of_end, 'second') }} / 3600.0 as {{ type_double() }}) as hours_overdue,
        lead_source,
        campaign,
        as_of_date
    from speed

)

select * from final
