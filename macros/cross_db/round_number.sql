{#- `expression` rounded to `digits` decimal places, halves away from zero (DuckDB's round).
    PostgreSQL rounds a double precision half to even and has no round(double precision, int):
    numeric rounds halves away from zero and takes the digits. -#}
{% macro round_number(expression, digits=0) -%}
    {{ return(adapter.dispatch('round_number', 'lead_scoring')(expression, digits)) }}
{%- endmacro %}

{% macro default__round_number(expression, digits) -%}
    round({{ expression }}{{ ', ' ~ digits if digits else '' }})
{%- endmacro %}

{% macro postgres__round_number(expression, digits) -%}
    round(cast({{ expression }} as numeric), {{ digits }})
{%- endmacro %}
