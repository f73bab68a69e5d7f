{#- The materialization of the views over the incremental lead-grain tables (fct_lead_scores,
    fct_lead_scored_events, fct_lead_stage_transitions, fct_lead_funnel, fct_account_scores): a view, computed on read,
    where the tables below it are restated by lead; a table on Spark (spark__ below). -#}
{% macro view_where_supported() -%}
    {{ return(adapter.dispatch('view_where_supported', 'lead_scoring')()) }}
{%- endmacro %}

{% macro default__view_where_supported() -%}
    {{ return('view') }}
{%- endmacro %}

{#- On Spark the tables below are rebuilt in full on every run (incremental_where_supported), so a
    view saves nothing, and a table keeps every mart a folder of plain Parquet files that any
    reader can open without Spark. -#}
{% macro spark__view_where_supported() -%}
    {{ return('table') }}
{%- endmacro %}
