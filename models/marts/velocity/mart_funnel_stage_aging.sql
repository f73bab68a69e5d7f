-- Stage aging: one row per scoring model and open lead (current stage lead, mql, sal, sql or
-- opportunity) with its days in the stage against the stage's median stint - the median length
-- of the finished stints in that stage under the model. is_aging = in the stage longer than
-- stage_aging_factor (seed funnel_settings, 2) times that median.

with

leads as (

    select * from {{ ref('fct_lead_funnel') }}

),

transitions as (

    select * from {{ ref('fct_lead_stage_transitions') }}

),

stages as (

    select stage, stage_order from {{ ref('lifecycle_stages') }}
    where is_main_path and not is_terminal

),

settings as (

    select * from {{ ref('int_funnel_settings') }}

),

stage_medians as (

    select
        model_id,
        to_stage as stage,
        count(*) as finished_stints,
        {{ percentile_cont('days_in_stage', 0.5) }} as median_days_in_stage
    from transitions
    where exited_at is not null
    group by model_id, to_stage

),

final as (

    select
        leads.model_id,
        leads.is_primary_model,
        leads.lead_id,
        leads.current_stage,
        stages.stage_order as current_stage_order,
        leads.current_stage_entered_at,
        cast(leads.days_in_current_stage as {{ type_double() }}) as days_in_stage,
        cast(stage_medians.median_days_in_stage as {{ type_double() }}) as stage_median_days,
        coalesce(stage_medians.finished_stints, 0) as stage_finished_stints,
        cast(settings.stage_aging_factor * stage_medians.median_days_in_stage as {{ type_double() }}) as aging_threshold_days,
        coalesce(leads.days_in_current_stage > settings.stage_aging_factor * stage_medians.median_days_in_stage, false) as is_aging,
        leads.lead_source,
        leads.campaign,
        leads.created_at,
        {{ scoring_as_of_date() }} as as_of_date
    from leads
    inner join stages on stages.stage = leads.current_stage
    left join stage_medians
        on stage_medians.model_id = leads.model_id
        and stage_medians.stage = leads.current_stage
    cross join settings

)

select * from final
