{#- A row of seed event_type_mapping as the validation and the rule history name it: its source
    system and name, and its property condition if any (`hotjar/scroll`,
    `asset_download where asset equals price_list`). -#}
{% macro event_mapping_row_key(alias) -%}
    case when nullif(trim({{ alias }}.source_system), '') is not null then lower(trim({{ alias }}.source_system)) || '/' else '' end
    || coalesce({{ event_type_name(alias ~ '.source_event') }}, '')
    || case when nullif(trim({{ alias }}.property_key), '') is not null
        then ' where ' || trim({{ alias }}.property_key) || ' ' || coalesce(lower(trim({{ alias }}.property_operator)), '')
            || ' ' || coalesce(trim({{ alias }}.property_value), '')
        else '' end
{%- endmacro %}
