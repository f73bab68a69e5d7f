-- Each account's score today (var scoring_as_of_date) per scoring model, decayed to today, with
-- whether it is engaged and an MQA now, and when it first became an MQA.

with

score_days as (

    select * from {{ ref('int_account_score_days') }}

),

models as (

    select model_id, is_primary from {{ ref('int_scoring_models') }}

),

first_mqa as (

    select model_id, account_id, score_date as first_mqa_date, changed_at as first_mqa_at
    from score_days
    where is_first_mqa

),

today as (

    select * from score_days
    where score_date = {{ scoring_as_of_date() }}

),

final as (

    select
        today.model_id,
        models.is_primary as is_primary_model,
        today.account_id,
        today.score_date as as_of_date,
        today.leads_count,
        today.best_fit_score,
        today.lead_engagement_score,
        today.visit_engagement_score,
        today.account_engagement_score,
        today.account_score,
        today.engaged_leads,
        today.is_engaged_account,
        today.is_mqa,
        first_mqa.first_mqa_date,
        first_mqa.first_mqa_at
    from today
    inner join models on models.model_id = today.model_id
    left join first_mqa
        on first_mqa.model_id = today.model_id
        and first_mqa.account_id = today.account_id

)

select * from final
