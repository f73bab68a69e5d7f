-- Engagement rules with typed settings and the flags the scoring models branch on.
-- depends_on: {{ ref('int_scoring_config_problems') }}

with

rules as (

    select * from {{ ref('scoring_engagement_rules') }}

),

final as (

    select
        {{ as_id('model_id') }} as model_id,
        {{ as_id('rule_id') }} as rule_id,
        description,
        lower(trim(event_type)) as event_type,
        nullif(trim(property_key), '') as property_key,
        lower(nullif(trim(property_operator), '')) as property_operator,
        lower(nullif(trim(property_value), '')) as property_value,
        {{ as_number('points') }} as points,
        cast({{ as_number('max_per_day') }} as {{ dbt.type_int() }}) as max_per_day,
        {{ as_number('max_points') }} as max_points,
        cast({{ as_number('window_days') }} as {{ dbt.type_int() }}) as window_days,
        {{ as_number('half_life_days') }} as half_life_days,
        cast({{ as_number('min_count') }} as {{ dbt.type_int() }}) as min_count,
        {{ as_flag('required_for_mql') }} as is_required_for_mql
    from rules

)

select * from final
