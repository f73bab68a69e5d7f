{#- Engagement rule points as of day D (a SQL date expression), using only what happened on or
    before D: one row per (model, lead, engagement rule) with a state on D. Under recycle_policy
    reset_engagement a lead with a sales rejection has two states per rule: one over all its events
    (counts_for_total) and one over the events after its latest rejection (counts_for_mql); every
    other lead has one state that counts for both. Used by lead_scores_as_of. `lead_filter`: a
    condition on the column lead_id keeping the leads to read (default: every lead). -#}
{% macro lead_rule_points_as_of(as_of_date, lead_filter=none) -%}
    select
        states.model_id,
        states.lead_id,
        states.rule_id,
        states.counts_for_total,
        states.counts_for_mql,
        rules.description,
        rules.event_type,
        rules.points,
        rules.max_per_day,
        rules.max_points,
        rules.window_days,
        rules.half_life_days,
        rules.min_count,
        rules.is_required_for_mql,
        states.state_date as last_change_date,
        states.occurrences_in_window,
        states.weighted_occurrences
            * {{ decay_factor(dbt.datediff('states.state_date', as_of_date, 'day'), 'rules.half_life_days') }}
            as weighted_occurrences,
        {{ rule_points_at('states', 'rules', as_of_date) }} as rule_points,
        {{ rule_holds('states', 'rules') }} as rule_holds
    from {{ ref('int_lead_engagement_rule_states') }} as states
    inner join {{ ref('int_engagement_rules') }} as rules
        on rules.model_id = states.model_id
        and rules.rule_id = states.rule_id
    where states.state_date <= {{ as_of_date }}
      and (states.next_state_date is null or states.next_state_date > {{ as_of_date }})
    {%- if lead_filter %}
      and {{ lead_filter }}
    {%- endif %}
{%- endmacro %}
