{#- The loader's log (raw.load_log, beside the raw tables) when `table_name` was loaded by this
    project's loader, else none. Loaded rows carry _load_id and _source_file, the loader guarantees
    one row per event_id, and rows only ever arrive (with a new load) or leave (a corrected file,
    a lead that disappeared): staging can then take just the rows it has not seen. Raw tables
    written by another tool get none, and staging rebuilds and de-duplicates them in full. Read at
    run time without source() (the log is no part of the raw data contract); at parse time and in
    unit tests (their given rows stand for the raw table) it is none. -#}
{% macro raw_load_log(table_name) -%}
    {%- if not execute or 'sources' not in graph or this is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set relation = source('raw', table_name) -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- if '_load_id' not in columns or '_source_file' not in columns -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=relation.database, schema=relation.schema, identifier='load_log')) }}
{%- endmacro %}
