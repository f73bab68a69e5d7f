{#- The delivery a staged row came in, as the columns source_file and load_id: the raw table's
    _source_file and _load_id for rows of the project's loader (raw_rows_have_deliveries), else
    nulls (raw tables of another tool, a CRM source, a warehouse without the table). -#}
{% macro raw_delivery_columns(has_deliveries) -%}
    {%- if has_deliveries -%}
        _source_file as source_file,
        _load_id as load_id
    {%- else -%}
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as {{ dbt.type_string() }}) as load_id
    {%- endif -%}
{%- endmacro %}
