{#- Spark tables here are plain Parquet, which cannot DELETE: the incremental scoring models, whose
    pre-hook deletes the leads being rescored, are rebuilt in full as tables instead (the result is
    the same; incremental runs equal full rebuilds by design). -#}
{% macro spark__incremental_where_supported() -%}
    {{ return('table') }}
{%- endmacro %}
