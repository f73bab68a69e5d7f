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

{#- Contracts: the yml columns' types are read back through an empty query built from them. -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set translated = {} -%}
    {%- for name, column in columns.items() -%}
        {%- set copy = column.copy() -%}
        {%- if copy.get('data_type') -%}
            {%- do copy.update({'data_type': spark_type(copy['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: copy}) -%}
    {%- endfor -%}
    {{ return(dbt.default__get_empty_schema_sql(translated)) }}
{%- endmacro %}

{#- Data tests whose column is an expression with `cast(... as varchar)` (unique keys built in
    the yml files): the same expression with Spark's type name. -#}
{% macro spark_cast_types(expression) -%}
    {{ return(modules.re.sub('(?i)\\bas\\s+(varchar|text)\\b(?!\\s*\\()', 'as string', expression)) }}
{%- endmacro %}

{% macro spark__test_unique(model, column_name) -%}
    {{ return(dbt.default__test_unique(model, spark_cast_types(column_name))) }}
{%- endmacro %}
