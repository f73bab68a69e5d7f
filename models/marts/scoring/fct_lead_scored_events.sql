-- A lead's scored events up to today (var scoring_as_of_date): one row per scoring model, lead,
-- event and engagement rule it matched, for leads scored today. What the lead explorer lists
-- beside the score; no personal data (see int_lead_scored_events).

-- A view: the rows are stored once, in int_lead_scored_events (built incrementally); a copy would cost a
-- full rewrite on every run.
{{ config(materialized=view_where_supported()) }}

with

scored_events as (

    select * from {{ ref('int_lead_scored_events') }}

),

scored_leads as (

    select model_id, lead_id from {{ ref('int_lead_fit_scores') }}
    where created_on <= {{ scoring_as_of_date() }}

),

models as (

    select model_id, is_primary from {{ ref('int_scoring_models') }}

),

final as (

    select
        scored_events.model_id,
        models.is_primary as is_primary_model,
        scored_events.lead_id,
        scored_events.event_id,
        scored_events.rule_id,
        scored_events.event_type,
        scored_events.occurred_at,
        scored_events.occurred_on,
        scored_events.event_detail,
        scored_events.is_counted
    from scored_events
    inner join scored_leads
        on scored_leads.model_id = scored_events.model_id
        and scored_leads.lead_id = scored_events.lead_id
    inner join models on models.model_id = scored_events.model_id
    where scored_events.occurred_on <= {{ scoring_as_of_date() }}

)

select * from final
