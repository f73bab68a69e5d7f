{#- A seed's column_types spelled for Spark: seeds/_seeds.yml is written for DuckDB and
    PostgreSQL (see spark_type). -#}
{% macro spark_seed_column_types(model) -%}
    {%- set types = model['config'].get('column_types') or {} -%}
    {%- for column, type in types.items() -%}
        {%- do types.update({column: spark_type(type)}) -%}
    {%- endfor -%}
    {{ return(types) }}
{%- endmacro %}
