-- One row per scoring model and lead (created on or before the scoring day): when the lead
-- entered each main-path stage, when it reached it in the two funnel views, its cohorts, its
-- current stage and disposition, and the lead attributes the funnel marts slice by.
--   <stage>_entered_at          first entry into the stage; empty when skipped (strict policy)
--   <stage>_reached_at          any-stage view: first entry into the stage or any later one
--   <stage>_reached_in_order_at in-order view: the first entry, only while the lead is in order
-- and the lead's MQL episodes (first_mql_at, mql_episodes, days_to_mql), which the MQL measures
-- (mart_mql_measures, the semantic layer, the dashboard) count; and the highest score band and
-- total its score reached before sales qualified it (its first sql-or-beyond time; to date when
-- never), from the score history as known then - what the feedback loop
-- (int_lead_feedback_outcomes) learns from.
--
-- Incremental by lead (the leads int_lead_lifecycle_scope restates). Nothing here changes only
-- because a day passed: the days in the current stage are computed where they are shown
-- (days_in_stage macro), and the feedback loop's minimum lead age is applied by
-- int_lead_feedback_outcomes on read.
{{ restated_by_lead('int_lead_lifecycle_scope') }}
{%- set stages = lifecycle_stage_names(main_path_only=true) %}
{%- set as_of = scoring_as_of_date() %}

with

leads as (

    select leads.*
    from {{ ref('stg_raw__leads') }} as leads
    {{ leads_in_scoring_scope('leads', 'int_lead_lifecycle_scope') }}
    where cast(leads.created_at as date) <= {{ as_of }}

),

transitions as (

    select transitions.*
    from {{ ref('fct_lead_stage_transitions') }} as transitions
    {{ leads_in_scoring_scope('transitions', 'int_lead_lifecycle_scope') }}

),

stages as (

    select stage, stage_order, is_main_path from {{ ref('lifecycle_stages') }}

),

current_scores as (

    select model_id, lead_id, fit_grade, mql_count, first_mql_at from {{ ref('mart_lead_scores_current') }}

),

size_bands as (

    select * from {{ ref('company_size_bands') }}

),

per_lead as (

    select
        transitions.model_id,
        transitions.is_primary_model,
        transitions.lead_id,
        {%- for stage in stages %}
        min(case when transitions.to_stage = '{{ stage }}' then transitions.transitioned_at end) as {{ stage }}_entered_at,
        {%- endfor %}
        max(case when stages.is_main_path then stages.stage_order end) as furthest_stage_order,
        count(case when transitions.to_stage = 'mql' then 1 end) as mql_entries,
        count(case when transitions.is_skip then 1 end) as skip_count,
        max(case when transitions.is_current_stage then transitions.to_stage end) as current_stage,
        max(case when transitions.is_current_stage then transitions.transitioned_at end) as current_stage_entered_at
    from transitions
    inner join stages on stages.stage = transitions.to_stage
    group by transitions.model_id, transitions.is_primary_model, transitions.lead_id

),

progress as (

    select
        per_lead.*,
        {{ in_order_stage_order() }} as in_order_stage_order
    from per_lead

),

-- Any stage: the first entry into this stage or a later one (a skipper reached the skipped stage
-- when it jumped past it).
reached as (

    select
        progress.*,
        {%- for stage in stages %}
        {%- set later = stages[loop.index0:] %}
        {%- if later | length == 1 %}
        progress.{{ stage }}_entered_at as {{ stage }}_reached_at{{ ',' if not loop.last }}
        {%- else %}
        least({% for s in later %}progress.{{ s }}_entered_at{{ ', ' if not loop.last }}{% endfor %}) as {{ stage }}_reached_at{{ ',' if not loop.last }}
        {%- endif %}
        {%- endfor %}
    from progress

),

scores as (

    select scores.model_id, scores.lead_id, scores.score_date, scores.changed_at, scores.total_score, scores.score_band
    from {{ ref('fct_lead_scores') }} as scores
    {{ leads_in_scoring_scope('scores', 'int_lead_lifecycle_scope') }}

),

ranked_scores as (

    select
        scores.*,
        row_number() over (partition by scores.model_id, scores.lead_id order by scores.score_date) as score_row
    from scores

),

-- The score history before the lead first reached sql or beyond (the creation-day score always
-- counts).
peaks as (

    select
        reached.model_id,
        reached.lead_id,
        max({{ score_band_order('ranked_scores.score_band') }}) as peak_band_rank,
        max(ranked_scores.total_score) as peak_total_score
    from reached
    inner join ranked_scores
        on ranked_scores.model_id = reached.model_id
        and ranked_scores.lead_id = reached.lead_id
    where reached.sql_reached_at is null
       or ranked_scores.changed_at < reached.sql_reached_at
       or ranked_scores.score_row = 1
    group by reached.model_id, reached.lead_id

),

final as (

    select
        reached.model_id,
        reached.is_primary_model,
        reached.lead_id,
        leads.created_at,
        cast({{ dbt.date_trunc('month', 'leads.created_at') }} as date) as created_month,
        cast({{ dbt.date_trunc('month', 'reached.mql_entered_at') }} as date) as mql_month,
        leads.lead_source,
        leads.campaign,
        leads.industry,
        leads.country_code,
        leads.company_size,
        coalesce(size_bands.band, 'unknown') as company_size_band,
        current_scores.fit_grade,
        {%- for stage in stages %}
        reached.{{ stage }}_entered_at,
        {%- endfor %}
        {%- for stage in stages %}
        reached.{{ stage }}_reached_at,
        {%- endfor %}
        {%- for stage in stages %}
        case when reached.in_order_stage_order >= {{ loop.index }} then reached.{{ stage }}_entered_at end as {{ stage }}_reached_in_order_at,
        {%- endfor %}
        reached.furthest_stage_order,
        reached.in_order_stage_order,
        reached.skip_count > 0 as has_skipped_stages,
        reached.mql_entries,
        current_scores.first_mql_at,
        coalesce(current_scores.mql_count, 0) as mql_episodes,
        {{ days_between('leads.created_at', 'current_scores.first_mql_at') }} as days_to_mql,
        reached.current_stage,
        reached.current_stage_entered_at,
        -- What became of the lead so far; closed_lost is kept apart from open (a new opportunity
        -- can still reopen it).
        case reached.current_stage
            when 'customer' then 'converted'
            when 'recycled' then 'recycled'
            when 'disqualified' then 'disqualified'
            when 'closed_lost' then 'lost'
            else 'open'
        end as disposition,
        {{ score_band_from_order('peaks.peak_band_rank') }} as peak_score_band,
        peaks.peak_total_score
    from reached
    inner join leads on leads.lead_id = reached.lead_id
    left join peaks
        on peaks.model_id = reached.model_id
        and peaks.lead_id = reached.lead_id
    left join current_scores
        on current_scores.model_id = reached.model_id
        and current_scores.lead_id = reached.lead_id
    left join size_bands
        on size_bands.min_employees <= leads.company_size
        and (size_bands.max_employees is null or size_bands.max_employees >= leads.company_size)

)

select * from final
