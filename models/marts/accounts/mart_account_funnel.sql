-- Account funnel: one row per scoring model, cohort (accounts first seen in a month) and stage
-- (account, mqa, opportunity, won), with how many of the cohort reached the stage (to date, and
-- within 30/60/90 days of entering the cohort), next-step and cumulative conversion, and the
-- maturity flags. The cohort rules are the lead funnel's (macros cohort_is_immature,
-- entered_within_days, funnel_windows): a cohort immature for a window has no rate for it.
-- A stage counts once the account has reached it and every earlier stage, at the latest of
-- their times (an opportunity of an account that is no MQA yet does not count): the counts fall
-- from stage to stage in every window.
{%- set stages = ['account', 'mqa', 'opportunity', 'won'] %}
{%- set windows = funnel_windows() %}

with

stages as (

    select * from {{ ref('int_account_funnel_stages') }}

),

mqa_times as (

    select
        stages.*,
        case when stages.mqa_reached_at > stages.account_reached_at then stages.mqa_reached_at else stages.account_reached_at end
            as funnel_mqa_at
    from stages
    where stages.mqa_reached_at is not null

),

accounts as (

    select
        stages.model_id,
        stages.is_primary_model,
        stages.cohort_month,
        stages.account_reached_at,
        mqa_times.funnel_mqa_at as mqa_reached_at,
        case
            when stages.opportunity_reached_at is null or mqa_times.funnel_mqa_at is null then null
            when stages.opportunity_reached_at > mqa_times.funnel_mqa_at then stages.opportunity_reached_at
            else mqa_times.funnel_mqa_at
        end as opportunity_reached_at,
        case
            when stages.won_reached_at is null or stages.opportunity_reached_at is null or mqa_times.funnel_mqa_at is null then null
            when stages.won_reached_at > mqa_times.funnel_mqa_at and stages.won_reached_at > stages.opportunity_reached_at then stages.won_reached_at
            when stages.opportunity_reached_at > mqa_times.funnel_mqa_at then stages.opportunity_reached_at
            else mqa_times.funnel_mqa_at
        end as won_reached_at
    from stages
    left join mqa_times
        on mqa_times.model_id = stages.model_id
        and mqa_times.account_id = stages.account_id

),

cohort_counts as (

    select
        model_id,
        is_primary_model,
        cohort_month,
        {%- for stage in stages %}
        count({{ stage }}_reached_at) as {{ stage }}__reached,
        {%- for window in windows %}
        count(case when {{ entered_within_days('account_reached_at', stage ~ '_reached_at', window) }} then 1 end) as {{ stage }}__{{ window }}d,
        {%- endfor %}
        {%- endfor %}
        count(*) as cohort_accounts
    from accounts
    group by model_id, is_primary_model, cohort_month

),

stage_rows as (

    {%- for stage in stages %}
    select
        model_id,
        is_primary_model,
        cohort_month,
        '{{ stage }}' as stage,
        {{ loop.index }} as stage_order,
        cohort_accounts,
        {{ stage }}__reached as reached_accounts,
        {{ 'cohort_accounts' if loop.first else stages[loop.index0 - 1] ~ '__reached' }} as previous_stage_accounts,
        {%- for window in windows %}
        {{ stage }}__{{ window }}d as reached_within_{{ window }}d{{ ',' if not loop.last }}
        {%- endfor %}
    from cohort_counts
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

final as (

    select
        model_id,
        is_primary_model,
        cohort_month,
        stage,
        stage_order,
        cohort_accounts,
        reached_accounts,
        previous_stage_accounts,
        {{ safe_ratio('reached_accounts', 'previous_stage_accounts') }} as next_step_conversion,
        {{ safe_ratio('reached_accounts', 'cohort_accounts') }} as cumulative_conversion,
        {%- for window in windows %}
        reached_within_{{ window }}d,
        case
            when not {{ cohort_is_immature('cohort_month', window) }}
                then {{ safe_ratio('reached_within_' ~ window ~ 'd', 'cohort_accounts') }}
        end as conversion_within_{{ window }}d,
        {{ cohort_is_immature('cohort_month', window) }} as is_immature_{{ window }}d,
        {%- endfor %}
        {{ scoring_as_of_date() }} as as_of_date
    from stage_rows

)

select * from final
