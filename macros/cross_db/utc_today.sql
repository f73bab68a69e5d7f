{#- Today's date in UTC. -#}
{% macro utc_today() -%}
    {{ return(adapter.dispatch('utc_today', 'lead_scoring')()) }}
{%- endmacro %}

{% macro default__utc_today() -%}
    {{ dbt.cast(dbt.current_timestamp(), 'date') }}
{%- endmacro %}

{% macro postgres__utc_today() -%}
    cast(now() at time zone 'UTC' as date)
{%- endmacro %}
