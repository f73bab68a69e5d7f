-- Threshold sweep: one row per scoring model and candidate MQL threshold (the model's threshold
-- + seed feedback_threshold_offsets), over the feedback-scope leads, computed on the score
-- history as it was known at the time (int_lead_threshold_crossings):
--   mql_leads  - leads that would have been MQL at the threshold;
--   precision  - share of them with an opportunity created at or after that MQL time;
--   recall     - share of the scope's opportunities (created up to the scoring day) whose lead
--                was MQL at the threshold at or before the opportunity was created.
{%- set as_of_end = scoring_day_end() %}

with

outcomes as (

    select model_id, is_primary_model, lead_id from {{ ref('int_lead_feedback_outcomes') }}

),

-- The crossings are kept for every lead; the sweep counts those of the feedback scope.
crossings as (

    select crossings.*
    from {{ ref('int_lead_threshold_crossings') }} as crossings
    inner join outcomes
        on outcomes.model_id = crossings.model_id
        and outcomes.lead_id = crossings.lead_id

),

models as (

    select model_id, is_primary, mql_threshold from {{ ref('int_scoring_models') }}

),

offsets as (

    select offset_points from {{ ref('feedback_threshold_offsets') }}

),

opportunities as (

    select opportunities.opportunity_id, opportunities.lead_id, opportunities.created_at
    from {{ ref('stg_raw__opportunities') }} as opportunities
    where opportunities.created_at < {{ as_of_end }}

),

scope as (

    select model_id, count(*) as scope_leads
    from outcomes
    group by model_id

),

latest_opportunities as (

    select lead_id, max(created_at) as latest_opportunity_at
    from opportunities
    group by lead_id

),

precision_counts as (

    select
        crossings.model_id,
        crossings.offset_points,
        count(*) as mql_leads,
        count(case when latest_opportunities.latest_opportunity_at >= crossings.crossed_at then 1 end) as mql_leads_with_opportunity
    from crossings
    left join latest_opportunities on latest_opportunities.lead_id = crossings.lead_id
    group by crossings.model_id, crossings.offset_points

),

scope_opportunities as (

    select outcomes.model_id, opportunities.opportunity_id, opportunities.lead_id, opportunities.created_at
    from opportunities
    inner join outcomes on outcomes.lead_id = opportunities.lead_id

),

recall_counts as (

    select
        scope_opportunities.model_id,
        offsets.offset_points,
        count(*) as opportunities,
        count(crossings.crossed_at) as opportunities_after_mql
    from scope_opportunities
    cross join offsets
    left join crossings
        on crossings.model_id = scope_opportunities.model_id
        and crossings.lead_id = scope_opportunities.lead_id
        and crossings.offset_points = offsets.offset_points
        and crossings.crossed_at <= scope_opportunities.created_at
    group by scope_opportunities.model_id, offsets.offset_points

),

final as (

    select
        models.model_id,
        models.is_primary as is_primary_model,
        offsets.offset_points,
        cast(models.mql_threshold + offsets.offset_points as {{ type_double() }}) as threshold,
        offsets.offset_points = 0 as is_current_threshold,
        coalesce(scope.scope_leads, 0) as scope_leads,
        coalesce(precision_counts.mql_leads, 0) as mql_leads,
        {{ safe_ratio('coalesce(precision_counts.mql_leads, 0)', 'scope.scope_leads') }} as mql_share,
        coalesce(precision_counts.mql_leads_with_opportunity, 0) as mql_leads_with_opportunity,
        {{ safe_ratio('precision_counts.mql_leads_with_opportunity', 'precision_counts.mql_leads') }} as mql_precision,
        coalesce(recall_counts.opportunities, 0) as opportunities,
        coalesce(recall_counts.opportunities_after_mql, 0) as opportunities_after_mql,
        {{ safe_ratio('recall_counts.opportunities_after_mql', 'recall_counts.opportunities') }} as mql_recall,
        {{ scoring_as_of_date() }} as as_of_date
    from models
    cross join offsets
    left join scope on scope.model_id = models.model_id
    left join precision_counts
        on precision_counts.model_id = models.model_id
        and precision_counts.offset_points = offsets.offset_points
    left join recall_counts
        on recall_counts.model_id = models.model_id
        and recall_counts.offset_points = offsets.offset_points

)

select * from final
