-- The score band spans (int_lead_score_band_spans), which the activations read, agree with
-- today's scores: the span each lead is in at the end of the scoring day has the band
-- mart_lead_scores_current gives it. A decay day found one day off, or a band change missed
-- between two score changes, fails here for every lead whose score decayed through a bound.
{{ config(meta={'dagster': {'ref': {'name': 'int_lead_score_band_spans'}}}) }}
{#- On a daily run for the same scoring day, the leads the run restated (daily_tested_leads). #}
{%- set tested = daily_tested_leads('lead_id', 'int_lead_lifecycle_scope', today_state=true) %}

with

spans_today as (

    select model_id, lead_id, score_band
    from {{ ref('int_lead_score_band_spans') }}
    where valid_from < {{ scoring_day_end() }}
      and (valid_to is null or valid_to >= {{ scoring_day_end() }})
      and {{ tested }}

),

scores as (

    select model_id, lead_id, score_band, total_score
    from {{ ref('mart_lead_scores_current') }}
    where {{ tested }}

),

final as (

    select
        scores.model_id,
        scores.lead_id,
        scores.total_score,
        scores.score_band as band_today,
        spans_today.score_band as band_of_span
    from scores
    left join spans_today
        on spans_today.model_id = scores.model_id
        and spans_today.lead_id = scores.lead_id
    where coalesce(spans_today.score_band, '') != scores.score_band

)

select * from final
