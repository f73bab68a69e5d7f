-- One row per lead (created on or before the scoring day): attributes, lifecycle under the
-- primary scoring model (current and furthest stage, entries and time per stage) and today's
-- primary-model score. Personal data (names, email) stays in staging on purpose.
--
-- The lifecycle comes from int_lead_stages_summarized (restated by lead); only the days of the
-- stint still open, which grow every day, are computed here (days_in_stage macro). Restated by
-- lead while the scoring day stays the same, whole on a new day (restated_by_lead_today).
{{ restated_by_lead_today() }}
{%- set restates_every_lead = restates_every_lead_today() %}

{#- Every stage, main path and detours, gets its own columns. -#}
{%- set stages = lifecycle_stage_names() %}
{%- set as_of = scoring_as_of_date() %}

with

leads as (

    select leads.*
    from {{ ref('stg_raw__leads') }} as leads
    {{ leads_restated_today('leads', restates_every_lead) }}
    where cast(leads.created_at as date) <= {{ as_of }}

),

-- The lead's stage history in one row, restated by lead; the open stint's days are added below.
lead_stages as (

    select lead_stages.*
    from {{ ref('int_lead_stages_summarized') }} as lead_stages
    {{ leads_restated_today('lead_stages', restates_every_lead) }}

),

stages as (

    select stage, stage_order, is_terminal from {{ ref('lifecycle_stages') }}

),

current_scores as (

    select scores.*
    from {{ ref('mart_lead_scores_current') }} as scores
    {{ leads_restated_today('scores', restates_every_lead) }}
    where scores.is_primary_model

),

-- The score as of its last change (events or attributes), without the daily decay since.
last_score_changes as (

    select scores.lead_id, scores.score_date, scores.total_score
    from {{ ref('fct_lead_scores') }} as scores
    {{ leads_restated_today('scores', restates_every_lead) }}
    where scores.is_primary_model
      and scores.next_score_date is null

),

qualification_updates as (

    select
        updates.lead_id,
        updates.latest_budget_confirmed,
        updates.latest_is_decision_maker,
        updates.is_sales_qualified,
        row_number() over (partition by updates.lead_id order by updates.occurred_at desc, updates.event_id desc) as recency
    from {{ ref('int_qualification_updates_resolved') }} as updates
    {{ leads_restated_today('updates', restates_every_lead) }}
    where cast(updates.occurred_at as date) <= {{ as_of }}

),

final as (

    select
        leads.lead_id,
        leads.created_at,
        leads.company_name,
        leads.company_domain,
        leads.company_size,
        leads.industry,
        leads.job_title,
        leads.country_code,
        leads.lead_source,
        leads.campaign,
        lead_stages.model_id as primary_model_id,
        {{ as_of }} as as_of_date,
        lead_stages.current_stage,
        current_stage_def.stage_order as current_stage_order,
        current_stage_def.is_terminal as is_current_stage_terminal,
        lead_stages.current_stage_entered_at,
        {{ days_in_stage('lead_stages.current_stage_entered_at') }} as days_in_current_stage,
        furthest_stage_def.stage as furthest_stage,
        lead_stages.furthest_stage_order,
        in_order_stage_def.stage as in_order_stage,
        lead_stages.in_order_stage_order,
        lead_stages.skip_count > 0 as has_skipped_stages,
        lead_stages.skip_count,
        lead_stages.transition_count,
        coalesce(current_scores.mql_count, 0) as mql_count,
        current_scores.first_mql_at,
        current_scores.latest_mql_at,
        lead_stages.latest_recycle_reason,
        lead_stages.disqualification_reason,
        coalesce(qualification_updates.latest_budget_confirmed, false) as latest_budget_confirmed,
        coalesce(qualification_updates.latest_is_decision_maker, false) as latest_is_decision_maker,
        coalesce(qualification_updates.is_sales_qualified, false) as is_sales_qualified_now,
        current_scores.fit_score,
        current_scores.engagement_score,
        current_scores.total_score,
        current_scores.score_band,
        current_scores.fit_grade,
        current_scores.engagement_level,
        current_scores.score_matrix_cell,
        current_scores.is_mql_qualified,
        last_score_changes.score_date as score_changed_on,
        last_score_changes.total_score as total_score_at_last_change,
        {%- for stage in stages %}
        lead_stages.{{ stage }}_first_entered_at,
        lead_stages.{{ stage }}_latest_entered_at,
        lead_stages.{{ stage }}_latest_exited_at,
        lead_stages.{{ stage }}_entries,
        case when lead_stages.{{ stage }}_entries > 0 then
            coalesce(lead_stages.days_in_{{ stage }}_finished, 0)
            + case when lead_stages.current_stage = '{{ stage }}' then {{ days_in_stage('lead_stages.current_stage_entered_at') }} else 0 end
        end as days_in_{{ stage }}{{ ',' if not loop.last }}
        {%- endfor %}
    from leads
    inner join lead_stages on lead_stages.lead_id = leads.lead_id
    inner join stages as current_stage_def on current_stage_def.stage = lead_stages.current_stage
    inner join stages as furthest_stage_def on furthest_stage_def.stage_order = lead_stages.furthest_stage_order
    inner join stages as in_order_stage_def on in_order_stage_def.stage_order = lead_stages.in_order_stage_order
    left join current_scores on current_scores.lead_id = leads.lead_id
    left join last_score_changes on last_score_changes.lead_id = leads.lead_id
    left join qualification_updates
        on qualification_updates.lead_id = leads.lead_id
        and qualification_updates.recency = 1

)

select * from final
