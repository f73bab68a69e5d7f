-- An account with one lead has that lead's engagement (when positive) as its lead engagement, on
-- every day of its history and today: the account scores decay their leads exactly as the lead
-- scores do.
{{ config(meta={'dagster': {'ref': {'name': 'mart_account_scores_current'}}}) }}

with

single_lead_accounts as (

    select account_id, max(lead_id) as lead_id
    from {{ ref('int_lead_accounts') }}
    group by account_id
    having count(*) = 1

),

history as (

    select
        account_scores.model_id,
        account_scores.account_id,
        account_scores.score_date,
        account_scores.lead_engagement_score,
        leads.engagement_score
    from {{ ref('fct_account_scores') }} as account_scores
    inner join single_lead_accounts as singles on singles.account_id = account_scores.account_id
    inner join {{ ref('fct_lead_scores') }} as leads
        on leads.model_id = account_scores.model_id
        and leads.lead_id = singles.lead_id
        and leads.score_date = account_scores.score_date

),

today as (

    select
        account_scores.model_id,
        account_scores.account_id,
        account_scores.as_of_date as score_date,
        account_scores.lead_engagement_score,
        leads.engagement_score
    from {{ ref('mart_account_scores_current') }} as account_scores
    inner join single_lead_accounts as singles on singles.account_id = account_scores.account_id
    inner join {{ ref('mart_lead_scores_current') }} as leads
        on leads.model_id = account_scores.model_id
        and leads.lead_id = singles.lead_id

),

compared as (

    select * from history
    union all
    select * from today

)

select *
from compared
where abs(lead_engagement_score - case when engagement_score > 0 then engagement_score else 0.0 end) > 0.000001
