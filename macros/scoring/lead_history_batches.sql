{#- How many batches of leads int_lead_score_changes computes its score history in (batch_count).
    Its work grows with the rule states of the leads it rescores (each is a change of the lead's
    score, carried through an aggregate, a window and a range join): at 5M leads (77M states) one
    query does not fit in DuckDB's default 8GB. The estimate: the rule states of the leads this
    run rescores; var lead_history_batches sets the count, var lead_history_states_per_batch the
    states per batch. -#}
{% macro lead_history_batches() -%}
    {%- set estimate_sql -%}
        select count(*) as rule_states
        from {{ ref('int_lead_engagement_rule_states') }} as rule_states
        {{ leads_in_scoring_scope('rule_states') }}
    {%- endset -%}
    {{ return(batch_count(
        'lead_history_batches', 'lead_history_states_per_batch',
        ['int_lead_engagement_rule_states', 'int_lead_scoring_scope'], estimate_sql)) }}
{%- endmacro %}
