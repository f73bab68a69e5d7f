{#- A query giving one row, mapping_hash: a hash of every row of seed event_type_mapping (empty
    text when it has none). stg_raw__events stores it with each staged event, so a run after an
    edit of the mapping restages every event (event_mapping_changed). -#}
{% macro event_mapping_hash() -%}
    select {{ dbt.hash("coalesce(" ~ dbt.listagg('row_text', "'~'", 'order by row_text') ~ ", '')") }} as mapping_hash
    from ({{ config_rows_text('event_type_mapping', 'event_type_mapping') }}) as mapping_rows
{%- endmacro %}
