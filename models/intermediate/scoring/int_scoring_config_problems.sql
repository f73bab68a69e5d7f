-- Every problem in the scoring seeds, one row each, naming the seed and the row (model_id,
-- rule_id). The post-hook stops the run when there is any, so no scoring model or mart is
-- rebuilt from a bad configuration. Ids are compared as the scoring models read them (as_id),
-- so two rows whose ids differ only in surrounding spaces are duplicates here too.
{{ config(post_hook="{{ raise_scoring_config_problems() }}") }}

with

models as (

    select * from {{ ref('scoring_models') }}

),

fit_rules as (

    select * from {{ ref('scoring_fit_rules') }}

),

engagement_rules as (

    select * from {{ ref('scoring_engagement_rules') }}

),

event_types as (

    select * from {{ ref('event_types') }}

),

model_problems as (

    select 'scoring_models' as seed_name, model_id, cast(null as {{ dbt.type_string() }}) as rule_id,
        case
            when {{ as_id('model_id') }} is null then 'model_id is empty'
            when {{ is_bad_number('mql_threshold') }} or {{ as_number('mql_threshold') }} is null
                then 'mql_threshold must be a number, got ''' || coalesce(mql_threshold, '') || ''''
            when {{ as_number('mql_threshold') }} <= 0 then 'mql_threshold must be positive'
            when {{ is_bad_number('nurture_min_score') }} or {{ is_bad_number('fit_grade_a_min') }}
                or {{ is_bad_number('fit_grade_b_min') }} or {{ is_bad_number('fit_grade_c_min') }}
                or {{ is_bad_number('engagement_level_1_min') }} or {{ is_bad_number('engagement_level_2_min') }}
                or {{ is_bad_number('engagement_level_3_min') }}
                then 'band, grade and level cut-offs must be numbers'
            when {{ as_number('nurture_min_score') }} >= {{ as_number('mql_threshold') }}
                then 'nurture_min_score must be below mql_threshold'
            when not ({{ as_number('fit_grade_a_min') }} > {{ as_number('fit_grade_b_min') }}
                      and {{ as_number('fit_grade_b_min') }} > {{ as_number('fit_grade_c_min') }})
                then 'fit grade cut-offs must fall from A to C (a > b > c)'
            when not ({{ as_number('engagement_level_1_min') }} > {{ as_number('engagement_level_2_min') }}
                      and {{ as_number('engagement_level_2_min') }} > {{ as_number('engagement_level_3_min') }})
                then 'engagement level cut-offs must fall from 1 to 3 (1 > 2 > 3)'
            when {{ is_bad_flag('is_primary') }} then 'is_primary must be true or false'
            when {{ recycle_policy('recycle_policy') }} not in ({{ "'" ~ recycle_policies() | join("', '") ~ "'" }})
                then 'recycle_policy must be {{ recycle_policies() | join(" or ") }}, got ''' || recycle_policy || ''''
        end as problem
    from models

    union all

    select 'scoring_models' as seed_name, {{ as_id('model_id') }} as model_id, null as rule_id, 'model_id appears ' || {{ duplicate_times('model_id') }} as problem
    from models
    where {{ as_id('model_id') }} is not null
    group by {{ as_id('model_id') }}
    having count(*) > 1

    union all

    select 'scoring_models' as seed_name, null as model_id, null as rule_id,
        'exactly one model must have is_primary = true, found ' || cast(count(case when {{ as_flag('is_primary') }} then 1 end) as {{ dbt.type_string() }}) as problem
    from models
    having count(case when {{ as_flag('is_primary') }} then 1 end) != 1

),

fit_problems as (

    select 'scoring_fit_rules' as seed_name, fit_rules.model_id, fit_rules.rule_id,
        case
            when {{ as_id('fit_rules.rule_id') }} is null then 'rule_id is empty'
            when models.model_id is null then 'model_id ''' || coalesce(fit_rules.model_id, '') || ''' is not in scoring_models'
            when {{ is_bad_number('fit_rules.points') }} or {{ as_number('fit_rules.points') }} is null
                then 'points must be a number, got ''' || coalesce(fit_rules.points, '') || ''''
            when lower(fit_rules.attribute) not in ('company_size', 'industry', 'job_title', 'country_code', 'lead_source', 'campaign')
                or fit_rules.attribute is null
                then 'attribute ''' || coalesce(fit_rules.attribute, '') || ''' is not one of company_size, industry, job_title, country_code, lead_source, campaign'
            when lower(fit_rules.attribute) = 'company_size' and lower(coalesce(fit_rules.operator, '')) != 'between'
                then 'company_size rules use the operator between'
            when lower(fit_rules.attribute) != 'company_size' and lower(coalesce(fit_rules.operator, '')) not in ('in', 'contains_any')
                then 'text attributes use the operator in or contains_any, got ''' || coalesce(fit_rules.operator, '') || ''''
            when lower(fit_rules.operator) = 'between' and ({{ is_bad_number('fit_rules.min_value') }} or {{ is_bad_number('fit_rules.max_value') }})
                then 'min_value and max_value must be numbers'
            when lower(fit_rules.operator) = 'between' and {{ as_number('fit_rules.min_value') }} is null and {{ as_number('fit_rules.max_value') }} is null
                then 'between needs min_value or max_value'
            when lower(fit_rules.operator) = 'between' and {{ as_number('fit_rules.min_value') }} > {{ as_number('fit_rules.max_value') }}
                then 'min_value is above max_value: the rule can never match'
            when lower(fit_rules.operator) in ('in', 'contains_any') and nullif(trim(fit_rules.match_values), '') is null
                then 'match_values is empty: the rule can never match'
            when {{ is_bad_flag('fit_rules.required_for_mql') }} then 'required_for_mql must be true or false'
        end as problem
    from fit_rules
    left join models on {{ as_id('fit_rules.model_id') }} = {{ as_id('models.model_id') }}

    union all

    select 'scoring_fit_rules' as seed_name, {{ as_id('model_id') }} as model_id, {{ as_id('rule_id') }} as rule_id,
        'rule_id appears ' || {{ duplicate_times('rule_id') }} || ' in this model' as problem
    from fit_rules
    where {{ as_id('rule_id') }} is not null
    group by {{ as_id('model_id') }}, {{ as_id('rule_id') }}
    having count(*) > 1

),

engagement_problems as (

    select 'scoring_engagement_rules' as seed_name, rules.model_id, rules.rule_id,
        case
            when {{ as_id('rules.rule_id') }} is null then 'rule_id is empty'
            when models.model_id is null then 'model_id ''' || coalesce(rules.model_id, '') || ''' is not in scoring_models'
            when event_types.event_type is null then 'unknown event_type ''' || coalesce(rules.event_type, '') || ''' (see seed event_types)'
            when {{ is_bad_number('rules.points') }} or {{ as_number('rules.points') }} is null
                then 'points must be a number, got ''' || coalesce(rules.points, '') || ''''
            when {{ is_bad_number('rules.max_per_day') }} or {{ as_number('rules.max_per_day') }} < 1
                or {{ as_number('rules.max_per_day') }} != floor({{ as_number('rules.max_per_day') }})
                then 'max_per_day must be a whole number of at least 1'
            when {{ is_bad_number('rules.max_points') }} or {{ as_number('rules.max_points') }} <= 0
                then 'max_points must be a positive number'
            when {{ is_bad_number('rules.window_days') }} or {{ as_number('rules.window_days') }} < 1
                or {{ as_number('rules.window_days') }} != floor({{ as_number('rules.window_days') }})
                then 'window_days must be a whole number of at least 1'
            when {{ is_bad_number('rules.half_life_days') }} then 'half_life_days must be a number, got ''' || rules.half_life_days || ''''
            when {{ as_number('rules.half_life_days') }} <= 0 then 'half_life_days must be positive, got ' || rules.half_life_days
            when {{ as_number('rules.half_life_days') }} < 1 then 'half_life_days must be at least 1'
            when {{ is_bad_number('rules.min_count') }} or {{ as_number('rules.min_count') }} < 1
                or {{ as_number('rules.min_count') }} != floor({{ as_number('rules.min_count') }})
                then 'min_count must be a whole number of at least 1'
            when {{ as_number('rules.min_count') }} is not null and {{ as_number('rules.half_life_days') }} is not null
                then 'a count rule (min_count) cannot decay: remove half_life_days'
            when {{ as_number('rules.points') }} < 0 and {{ as_number('rules.half_life_days') }} is not null
                then 'negative points cannot decay (a fading penalty would raise scores between events): use window_days instead'
            when (nullif(trim(rules.property_key), '') is null) != (nullif(trim(rules.property_value), '') is null)
                then 'property_key and property_value go together'
            when nullif(trim(rules.property_key), '') is not null and lower(coalesce(rules.property_operator, '')) not in ('equals', 'contains', 'starts_with')
                then 'property_operator must be equals, contains or starts_with, got ''' || coalesce(rules.property_operator, '') || ''''
            when {{ is_bad_flag('rules.required_for_mql') }} then 'required_for_mql must be true or false'
            when {{ as_flag('rules.required_for_mql') }} and {{ as_number('rules.min_count') }} is not null
                and {{ as_number('rules.window_days') }} is not null and {{ as_number('rules.max_per_day') }} is not null
                and {{ as_number('rules.min_count') }} > {{ as_number('rules.max_per_day') }} * {{ as_number('rules.window_days') }}
                then 'required rule can never hold: min_count exceeds max_per_day x window_days'
        end as problem
    from engagement_rules as rules
    left join models on {{ as_id('rules.model_id') }} = {{ as_id('models.model_id') }}
    left join event_types on lower(trim(rules.event_type)) = event_types.event_type

    union all

    select 'scoring_engagement_rules' as seed_name, {{ as_id('model_id') }} as model_id, {{ as_id('rule_id') }} as rule_id,
        'rule_id appears ' || {{ duplicate_times('rule_id') }} || ' in this model' as problem
    from engagement_rules
    where {{ as_id('rule_id') }} is not null
    group by {{ as_id('model_id') }}, {{ as_id('rule_id') }}
    having count(*) > 1

),

all_problems as (

    select * from model_problems
    union all
    select * from fit_problems
    union all
    select * from engagement_problems

),

final as (

    select seed_name, model_id, rule_id, problem
    from all_problems
    where problem is not null

)

select * from final
