{#- Whether raw `table_name` was written by this project's loader: its rows carry the delivery they
    came in (_source_file, _load_id), the loader keeps one row per event_id, and rows only ever
    arrive (with a new load) or leave (a corrected file, a lead that disappeared). Staging can
    then take just the deliveries it has not seen (stages_by_delivery). Raw tables written by
    another tool, and a CRM's tables (lead_source_relation), are restaged and de-duplicated in
    full. At parse time and in unit tests (their given rows stand for the raw table) it is false. -#}
{% macro raw_rows_have_deliveries(table_name) -%}
    {%- if not execute or 'sources' not in graph or this is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(lead_source_relation(table_name)) | map(attribute='name') | map('lower') | list -%}
    {{ return('_load_id' in columns and '_source_file' in columns) }}
{%- endmacro %}
