-- The account funnel's stages per scoring model and account: when the account entered (its first
-- lead or identified visit), became an MQA (its first MQA day, int_account_score_days), had its
-- first opportunity and its first won deal (its leads' opportunities). Only what happened by the
-- end of the scoring day (var scoring_as_of_date) counts.

with

accounts as (

    select account_id, first_seen_at from {{ ref('dim_accounts') }}
    where first_seen_at < {{ scoring_day_end() }}

),

models as (

    select model_id, is_primary from {{ ref('int_scoring_models') }}

),

score_days as (

    select * from {{ ref('int_account_score_days') }}

),

first_mqa as (

    select model_id, account_id, changed_at as mqa_reached_at
    from score_days
    where is_first_mqa

),

opportunities as (

    select
        lead_accounts.account_id,
        min(opportunities.created_at) as opportunity_reached_at,
        min(case when opportunities.is_won and opportunities.closed_at < {{ scoring_day_end() }} then opportunities.closed_at end) as won_reached_at
    from {{ ref('stg_raw__opportunities') }} as opportunities
    inner join {{ ref('int_lead_accounts') }} as lead_accounts on lead_accounts.lead_id = opportunities.lead_id
    where opportunities.created_at < {{ scoring_day_end() }}
    group by lead_accounts.account_id

),

final as (

    select
        models.model_id,
        models.is_primary as is_primary_model,
        accounts.account_id,
        cast({{ dbt.date_trunc('month', 'accounts.first_seen_at') }} as date) as cohort_month,
        accounts.first_seen_at as account_reached_at,
        first_mqa.mqa_reached_at,
        opportunities.opportunity_reached_at,
        opportunities.won_reached_at
    from accounts
    cross join models
    left join first_mqa
        on first_mqa.model_id = models.model_id
        and first_mqa.account_id = accounts.account_id
    left join opportunities on opportunities.account_id = accounts.account_id

)

select * from final
