{#- Whether stg_raw__events holds a row staged under another event mapping than the current one
    (or before the mapping existed): then the run restages every event (stages_by_delivery), so
    an edit of seed event_type_mapping re-maps the events already staged, as a full refresh would. -#}
{% macro event_mapping_changed() -%}
    {%- if not execute or this is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- if 'event_mapping_hash' not in columns -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set query -%}
        select count(*) from (
            select 1 as stale
            from {{ this }}
            where event_mapping_hash is null
                or event_mapping_hash != ({{ event_mapping_hash() }})
            limit 1
        ) as stale_rows
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0] > 0) }}
{%- endmacro %}
