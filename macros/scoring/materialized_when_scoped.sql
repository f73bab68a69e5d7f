{#- The keyword that makes a CTE of a lead-grain model's scoped rows (its leads_in_scoring_scope
    join) be computed on its own, before the rest of the query: `materialized` on an incremental
    run, nothing on a full build (every row is in scope; a copy would only cost). Without it
    DuckDB joined all 20M events with the engagement rules and evaluated every rule's property
    condition before it joined the scope that keeps 3 % of them (int_lead_scored_events: 7.2 CPU s
    instead of 3.0 on a 1M-lead daily run). Engines without the keyword get nothing (Spark, which
    rebuilds these models in full anyway). -#}
{% macro materialized_when_scoped() -%}
    {{ return(adapter.dispatch('materialized_when_scoped', 'lead_scoring')()) }}
{%- endmacro %}

{% macro default__materialized_when_scoped() -%}
    {{ return('') }}
{%- endmacro %}

{% macro duckdb__materialized_when_scoped() -%}
    {{ return('materialized' if is_incremental() else '') }}
{%- endmacro %}

{% macro postgres__materialized_when_scoped() -%}
    {{ return('materialized' if is_incremental() else '') }}
{%- endmacro %}
