-- When each lead would have become an MQL at each candidate threshold (model's
-- mql_threshold + seed feedback_threshold_offsets), from the score history as it was known at
-- the time: the first score change with its MQL score at or above the threshold while all
-- required rules held (macro mql_qualified, as fct_lead_scores qualifies at the model's
-- threshold). Only first crossings matter here, and those need no day-by-day view of decay: the
-- MQL score rises only on change days and only decays in between, so the first day it reaches a
-- threshold is a change day. As for real MQLs (fct_lead_mql_episodes), a crossing on or after the
-- lead's disqualification day does not count. One row per model, lead and threshold it crossed.
--
-- Incremental by lead (int_lead_lifecycle_scope), for every lead: the marts keep the
-- feedback-scope leads (int_lead_feedback_outcomes), so a lead growing old enough for the loop
-- costs no restatement.
{{ restated_by_lead('int_lead_lifecycle_scope') }}
-- depends_on: {{ ref('event_types') }}

with

scores as (

    select scores.*
    from {{ ref('fct_lead_scores') }} as scores
    {{ leads_in_scoring_scope('scores', 'int_lead_lifecycle_scope') }}

),

models as (

    select model_id, mql_threshold from {{ ref('int_scoring_models') }}

),

offsets as (

    select offset_points from {{ ref('feedback_threshold_offsets') }}

),

disqualifications as (

    select events.lead_id, min(events.occurred_on) as disqualified_on
    from {{ ref('stg_raw__events') }} as events
    {{ leads_in_scoring_scope('events', 'int_lead_lifecycle_scope') }}
    where events.event_type = 'disqualified'
    group by events.lead_id

),

eligible_scores as (

    select scores.model_id, scores.lead_id, scores.score_date, scores.changed_at, scores.mql_score
    from scores
    left join disqualifications on disqualifications.lead_id = scores.lead_id
    where scores.required_rules_hold
      and (disqualifications.disqualified_on is null or scores.score_date < disqualifications.disqualified_on)

),

-- Only the changes that set a new high of the lead's MQL score can be a first crossing: threshold
-- T is first crossed at the new high with previous_high < T <= mql_score.
new_highs as (

    select *
    from (
        select
            eligible_scores.*,
            max(mql_score) over (
                partition by model_id, lead_id
                order by score_date
                rows between unbounded preceding and 1 preceding
            ) as previous_high
        from eligible_scores
    ) as with_previous_high
    where previous_high is null or mql_score > previous_high

),

thresholds as (

    select
        models.model_id,
        offsets.offset_points,
        models.mql_threshold + offsets.offset_points as threshold
    from models
    cross join offsets

),

final as (

    select
        new_highs.model_id,
        new_highs.lead_id,
        thresholds.offset_points,
        thresholds.threshold,
        new_highs.score_date as crossed_on,
        new_highs.changed_at as crossed_at,
        new_highs.mql_score as score_at_crossing
    from new_highs
    inner join thresholds
        on thresholds.model_id = new_highs.model_id
        and {{ mql_qualified('new_highs.mql_score', 'true', 'thresholds.threshold') }}
        and not coalesce({{ mql_qualified('new_highs.previous_high', 'true', 'thresholds.threshold') }}, false)

)

select * from final
