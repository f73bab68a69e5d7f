-- Activations: one row per lead, action and time it became due, up to the end of the scoring day
-- (var scoring_as_of_date), with the facts that made it due - the lead's band, stage, score and
-- top three reasons on that day and the event that triggered it. Point in time: a build for an
-- earlier scoring day gives that day's activations as they were due then. Rules: seed
-- activation_rules (docs/activation.md); how the times are found: int_lead_activation_edges.
--
-- A view: the rows are stored once, in int_lead_activation_edges (restated by lead); only which
-- rows are due yet and deliverable changes because a day passed.
{{ config(materialized=view_where_supported()) }}

with

edges as (

    select * from {{ ref('int_lead_activation_edges') }}

),

rules as (

    select * from {{ ref('int_activation_rules') }}

),

final as (

    select
        edges.activation_id,
        edges.action_id,
        edges.model_id,
        rules.is_primary_model,
        edges.lead_id,
        rules.destination,
        rules.trigger_on,
        edges.due_at,
        edges.due_date,
        edges.mql_episode,
        edges.lifecycle_stage,
        edges.total_score,
        edges.score_band,
        edges.fit_grade,
        edges.top_reasons,
        edges.triggering_event_id,
        edges.triggering_event_type,
        edges.triggering_event_at,
        edges.sales_owner,
        {{ activation_is_deliverable('edges.due_date', 'rules.deliver_within_days') }} as is_deliverable,
        {{ scoring_as_of_date() }} as as_of_date
    from edges
    inner join rules on rules.action_id = edges.action_id
    where edges.due_at < {{ scoring_day_end() }}

)

select * from final
