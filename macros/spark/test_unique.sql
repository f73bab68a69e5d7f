{% macro spark__test_unique(model, column_name) -%}
    {{ return(dbt.default__test_unique(model, spark_cast_types(column_name))) }}
{%- endmacro %}
