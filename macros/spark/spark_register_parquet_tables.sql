{#- Spark raw loading (lead_scoring/ingest/spark.py): `tables` maps a table name to a folder of
    Parquet files; each becomes <schema>.<table> over that folder (an external table: dropping it
    leaves the files). An earlier table of the same name is replaced. -#}
{% macro spark_register_parquet_tables(tables, schema) %}
    {%- do run_query("create database if not exists " ~ schema) -%}
    {%- for table, location in tables.items() -%}
        {%- do run_query("drop table if exists " ~ schema ~ "." ~ table) -%}
        {%- do run_query("create table " ~ schema ~ "." ~ table ~ " using parquet location '" ~ location | replace("'", "\\'") ~ "'") -%}
        {%- do log("registered " ~ schema ~ "." ~ table ~ " over " ~ location, info=true) -%}
    {%- endfor -%}
{% endmacro %}
