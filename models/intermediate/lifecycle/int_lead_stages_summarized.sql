-- One row per lead (created on or before the scoring day) under the primary scoring model: its
-- stage history in one row - each stage's entries, first and latest entry, latest exit and the
-- days of its finished stints - with the current, furthest and in-order stage, skips and the
-- latest detour reasons. What dim_leads shows of the lifecycle.
--
-- Incremental by lead (int_lead_lifecycle_scope). The days of a stint still open grow every day:
-- they are not stored, dim_leads adds them on read (days_in_stage macro), so a day passing
-- restates nobody.
{{ restated_by_lead('int_lead_lifecycle_scope') }}
{#- Every stage, main path and detours, gets its own columns. -#}
{%- set stages = lifecycle_stage_names() %}

with

moves as (

    select moves.*
    from {{ ref('int_lead_stage_signals_evaluated') }} as moves
    {{ leads_in_scoring_scope('moves', 'int_lead_lifecycle_scope') }}
    where moves.is_applied
      and moves.is_primary_model

),

stages as (

    select stage, stage_order, is_main_path from {{ ref('lifecycle_stages') }}

),

ranked_moves as (

    select
        moves.model_id,
        moves.lead_id,
        moves.to_stage,
        moves.signal_at as entered_at,
        moves.exited_at,
        moves.is_skip,
        moves.reason,
        stages.stage_order,
        stages.is_main_path,
        row_number() over (
            partition by moves.lead_id, moves.to_stage
            order by moves.transition_number desc
        ) as stint_recency
    from moves
    inner join stages on stages.stage = moves.to_stage

),

-- Everything per lead from its moves in one aggregation (at 5M leads a separate aggregation and
-- join per fact kept too many lead-sized hash tables alive at once).
per_lead as (

    select
        lead_id,
        max(model_id) as model_id,
        {%- for stage in stages %}
        min(case when to_stage = '{{ stage }}' then entered_at end) as {{ stage }}_first_entered_at,
        max(case when to_stage = '{{ stage }}' then entered_at end) as {{ stage }}_latest_entered_at,
        max(case when to_stage = '{{ stage }}' and stint_recency = 1 then exited_at end) as {{ stage }}_latest_exited_at,
        count(case when to_stage = '{{ stage }}' then 1 end) as {{ stage }}_entries,
        sum(case when to_stage = '{{ stage }}' and exited_at is not null then {{ days_in_stage('entered_at', 'exited_at') }} end) as days_in_{{ stage }}_finished,
        {%- endfor %}
        max(case when is_main_path then stage_order end) as furthest_stage_order,
        count(case when is_skip then 1 end) as skip_count,
        count(*) as transition_count,
        max(case when exited_at is null then to_stage end) as current_stage,
        max(case when exited_at is null then entered_at end) as current_stage_entered_at,
        max(case when to_stage = 'recycled' and stint_recency = 1 then reason end) as latest_recycle_reason,
        max(case when to_stage = 'disqualified' and stint_recency = 1 then reason end) as disqualification_reason
    from ranked_moves
    group by lead_id

),

-- A lead counts "in order" up to the last main-path stage before which it entered every earlier
-- stage, each first entry no later than the next one.
final as (

    select
        per_lead.*,
        {{ in_order_stage_order(entered='_first_entered_at') }} as in_order_stage_order
    from per_lead

)

select * from final
