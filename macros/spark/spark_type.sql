{#- Column types as this project writes them for DuckDB and PostgreSQL (seed column_types,
    model contracts), spelled for Spark: Spark has no length-less varchar, no text and no float8. -#}
{% macro spark_type(data_type) -%}
    {%- set spelled = data_type | lower | trim -%}
    {%- if spelled in ('varchar', 'text', 'character varying') -%}
        {{ return('string') }}
    {%- elif spelled in ('float8', 'double precision') -%}
        {{ return('double') }}
    {%- endif -%}
    {{ return(data_type) }}
{%- endmacro %}
