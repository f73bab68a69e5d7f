{#- How many batches of leads int_lead_activation_edges computes the activations in (batch_count).
    Its work grows with the events of the leads it restates (each event is an interval of the
    rules that name its type, swept per lead and rule with the band spans and stage stints): at
    5M leads (100M events) it needs the whole of DuckDB's default 8GB alone, and runs beside the
    accounts' history. The estimate: the events of the leads this run restates; var
    activation_history_batches sets the count, var activation_history_events_per_batch the events
    per batch. -#}
{% macro activation_history_batches() -%}
    {%- set estimate_sql -%}
        select count(*) as events
        from {{ ref('stg_raw__events') }} as events
        {{ leads_in_scoring_scope('events', 'int_lead_lifecycle_scope') }}
    {%- endset -%}
    {{ return(batch_count(
        'activation_history_batches', 'activation_history_events_per_batch',
        ['stg_raw__events', 'int_lead_lifecycle_scope'], estimate_sql)) }}
{%- endmacro %}
