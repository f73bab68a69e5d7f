-- Account score history: one row per scoring model, account and day on which one of the
-- account's leads' scores changed, up to today. Between two rows the account score can only fall
-- (decay), so is_first_mqa marks the first day the account qualified as an MQA, point in time.
--
-- A view over the change days of int_account_score_days (restated by account, with the next
-- change day and the first MQA day): no second copy of the account score history.
{{ config(materialized=view_where_supported()) }}

with

score_days as (

    select * from {{ ref('int_account_score_days') }}
    where is_change_day

),

models as (

    select model_id, is_primary from {{ ref('int_scoring_models') }}

),

final as (

    select
        score_days.model_id,
        models.is_primary as is_primary_model,
        score_days.account_id,
        score_days.score_date,
        score_days.next_score_date,
        score_days.changed_at,
        score_days.leads_count,
        score_days.best_fit_score,
        score_days.lead_engagement_score,
        score_days.visit_engagement_score,
        score_days.account_engagement_score,
        score_days.account_score,
        score_days.engaged_leads,
        score_days.is_engaged_account,
        score_days.is_mqa,
        score_days.is_first_mqa
    from score_days
    inner join models on models.model_id = score_days.model_id

)

select * from final
