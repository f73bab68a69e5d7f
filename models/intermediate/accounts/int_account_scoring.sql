-- Account scoring settings per scoring model, typed. Built only after the configuration passed
-- validation.
-- depends_on: {{ ref('int_scoring_config_problems') }}

with

settings as (

    select * from {{ ref('account_scoring') }}

),

final as (

    select
        {{ as_id('model_id') }} as model_id,
        cast({{ as_number('top_engagement_leads') }} as {{ dbt.type_int() }}) as top_engagement_leads,
        {{ as_flag('add_best_fit') }} as add_best_fit,
        {{ as_number('mqa_threshold') }} as mqa_threshold,
        cast(coalesce({{ as_number('min_engaged_leads') }}, 0) as {{ dbt.type_int() }}) as min_engaged_leads,
        {{ as_number('engaged_lead_min_engagement') }} as engaged_lead_min_engagement,
        {{ as_number('engaged_account_min_engagement') }} as engaged_account_min_engagement
    from settings

)

select * from final
