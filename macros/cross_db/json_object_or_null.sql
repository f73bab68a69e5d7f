{#- A JSON text column as it is when it holds a JSON object, else null: staging sets malformed
    properties aside (flagged) instead of failing the build on them. The project's loader already
    rejects such rows; this guards raw tables written by other tools. -#}
{% macro json_object_or_null(json_column) -%}
    {{ return(adapter.dispatch('json_object_or_null', 'lead_scoring')(json_column)) }}
{%- endmacro %}

{#- Engines without a non-failing JSON check (PostgreSQL before 16 has no IS JSON) keep the text;
    Spark's get_json_object reads malformed text as null by itself. -#}
{% macro default__json_object_or_null(json_column) -%}
    {{ json_column }}
{%- endmacro %}

{% macro duckdb__json_object_or_null(json_column) -%}
    case when json_valid({{ json_column }}) and left(ltrim({{ json_column }}, ' ' || chr(9) || chr(10) || chr(13)), 1) = '{'
        then {{ json_column }} end
{%- endmacro %}
