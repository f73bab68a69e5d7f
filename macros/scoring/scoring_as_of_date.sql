{#- The day "now" stands for in the marts: var `scoring_as_of_date` (YYYY-MM-DD), else the UTC day
    the dbt invocation started. Rendered as a literal, so every model of one run - and a view
    read later - stands for the same day, even when the run crosses midnight.
    Score history itself does not depend on it; only views of the current state do. -#}
{% macro scoring_as_of_date() -%}
    {%- set configured = var('scoring_as_of_date', none) -%}
    cast('{{ configured or run_started_at.strftime("%Y-%m-%d") }}' as date)
{%- endmacro %}
