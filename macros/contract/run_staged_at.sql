{#- When this dbt run started, as a timestamp: the staged_at of every row this run stages, and
    what int_lead_scoring_scope compares staged_at with to tell this run's rows from earlier
    ones. -#}
{% macro run_staged_at() -%}
    {{ dbt.cast(dbt.string_literal(run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f')), dbt.type_timestamp()) }}
{%- endmacro %}
