{#- Seed tables on Spark: dbt-spark's, with the seed's column_types spelled for Spark. -#}
{% macro spark__create_csv_table(model, agate_table) -%}
    {%- do spark_seed_column_types(model) -%}
    {{ return(dbt.spark__create_csv_table(model, agate_table)) }}
{%- endmacro %}
