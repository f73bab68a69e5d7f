-- Scoring models with typed settings. Built only after the configuration passed validation.
-- depends_on: {{ ref('int_scoring_config_problems') }}

with

models as (

    select * from {{ ref('scoring_models') }}

),

final as (

    select
        {{ as_id('model_id') }} as model_id,
        description,
        {{ as_flag('is_primary') }} as is_primary,
        {{ as_number('mql_threshold') }} as mql_threshold,
        {{ as_number('nurture_min_score') }} as nurture_min_score,
        {{ as_number('fit_grade_a_min') }} as fit_grade_a_min,
        {{ as_number('fit_grade_b_min') }} as fit_grade_b_min,
        {{ as_number('fit_grade_c_min') }} as fit_grade_c_min,
        {{ as_number('engagement_level_1_min') }} as engagement_level_1_min,
        {{ as_number('engagement_level_2_min') }} as engagement_level_2_min,
        {{ as_number('engagement_level_3_min') }} as engagement_level_3_min,
        {{ recycle_policy('recycle_policy') }} as recycle_policy
    from models

)

select * from final
