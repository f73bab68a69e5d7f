{#- The materialization of the incremental scoring models: incremental where the engine can
    delete rows (pre-hook delete_rescored_leads), else a table rebuilt in full on every run (Spark on plain
    Parquet, spark__incremental_where_supported below). -#}
{% macro incremental_where_supported() -%}
    {{ return(adapter.dispatch('incremental_where_supported', 'lead_scoring')()) }}
{%- endmacro %}

{% macro default__incremental_where_supported() -%}
    {{ return('incremental') }}
{%- endmacro %}

{#- Spark tables here are plain Parquet, which cannot DELETE: the incremental scoring models, whose
    pre-hook deletes the leads being rescored, are rebuilt in full as tables instead (the result is
    the same; incremental runs equal full rebuilds by design). -#}
{% macro spark__incremental_where_supported() -%}
    {{ return('table') }}
{%- endmacro %}
