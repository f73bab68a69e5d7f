{#- The day "now" stands for in the marts: var `scoring_as_of_date` (YYYY-MM-DD) or today (UTC).
    Score history itself does not depend on it; only views of the current state do. -#}
{% macro scoring_as_of_date() -%}
    {%- set configured = var('scoring_as_of_date', none) -%}
    {%- if configured -%}
        cast('{{ configured }}' as date)
    {%- else -%}
        {{ utc_today() }}
    {%- endif -%}
{%- endmacro %}
