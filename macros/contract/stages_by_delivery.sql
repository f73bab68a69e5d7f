{#- Whether this run of an incremental staging model stages only new and changed deliveries of
    raw `table_name` (raw_deliveries_to_stage): an incremental run over rows of the project's
    loader (raw_rows_have_deliveries), into a table that already records where its rows came from. Otherwise
    it stages every row: a first build, --full-refresh, raw tables of another tool, and for events
    a run after an edit of seed event_type_mapping. -#}
{% macro stages_by_delivery(table_name) -%}
    {#- raw_rows_have_deliveries first: it is false in unit tests, where is_incremental() finds no
        relation for `this`. -#}
    {%- if not raw_rows_have_deliveries(table_name) or not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {#- Events staged under another event mapping are all restaged (event_mapping_changed). -#}
    {%- if table_name == 'events' and event_mapping_changed() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {{ return('load_id' in columns and 'source_file' in columns) }}
{%- endmacro %}
