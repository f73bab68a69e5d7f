-- The seed funnel_settings as one typed row. A missing setting or a value that is not a number
-- comes out empty and fails this model's not_null tests, which name the setting.

with

settings as (

    select * from {{ ref('funnel_settings') }}

),

final as (

    select
        max(case when trim(setting) = 'speed_to_lead_sla_hours' then {{ dbt.safe_cast('trim(value)', type_double()) }} end) as speed_to_lead_sla_hours,
        max(case when trim(setting) = 'stage_aging_factor' then {{ dbt.safe_cast('trim(value)', type_double()) }} end) as stage_aging_factor,
        max(case when trim(setting) = 'feedback_min_lead_age_days' then {{ dbt.safe_cast('trim(value)', dbt.type_int()) }} end) as feedback_min_lead_age_days
    from settings

)

select * from final
