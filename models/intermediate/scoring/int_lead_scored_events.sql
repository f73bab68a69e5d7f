-- The events each scoring model's engagement rules scored: one row per model, lead, event and rule
-- the event matches (macro event_matches_rule, as int_lead_engagement_rule_states matches them), on
-- every day; fct_lead_scored_events shows them up to today for the lead explorer. Only codes the
-- rules read leave staging (page path, content type, newsletter, form id), never the JSON
-- properties, and page paths lose their query string and fragment, where forms and tracking put
-- addresses and names. Incremental like the other scoring models: a run matches the events of
-- the leads it rescores only.
{{ restated_by_lead() }}

with

events as {{ materialized_when_scoped() }} (

    select events.*
    from {{ ref('stg_raw__events') }} as events
    {{ leads_in_scoring_scope('events') }}

),

rules as (

    select * from {{ ref('int_engagement_rules') }}

),

matched_events as (

    select
        rules.model_id,
        events.lead_id,
        events.event_id,
        rules.rule_id,
        events.event_type,
        events.occurred_at,
        events.occurred_on,
        coalesce(
            {{ dbt.split_part(dbt.split_part('events.page_url', "'?'", 1), "'#'", 1) }},
            events.content_type,
            events.newsletter,
            events.form_id
        ) as event_detail,
        rules.max_per_day
    from events
    inner join rules on rules.event_type = events.event_type
    where {{ event_matches_rule(rule='rules', event='events') }}

),

-- The per-day cap counts min(occurrences, max_per_day) a day: the first ones of the day are the
-- counted ones, those whose position in the day the cap (macro apply_rule_cap) leaves as it is.
positioned_events as (

    select
        matched_events.*,
        row_number() over (
            partition by model_id, rule_id, lead_id, occurred_on
            order by occurred_at, event_id
        ) as position_in_day
    from matched_events

),

final as (

    select
        model_id,
        lead_id,
        event_id,
        rule_id,
        event_type,
        occurred_at,
        occurred_on,
        event_detail,
        {{ apply_rule_cap('positioned_events', 'max_per_day', 'position_in_day') }} = position_in_day as is_counted
    from positioned_events

)

select * from final
