{#- The optional property condition of an engagement rule (case-insensitive):
    equals, contains or starts_with on the JSON property `property_key` of the event. -#}
{% macro event_matches_rule(rule, event) -%}
    (
        {{ rule }}.property_key is null
        or (
            {%- set value = "lower(" ~ event_property(event, rule ~ ".property_key") ~ ")" %}
            ({{ rule }}.property_operator = 'equals' and {{ value }} = {{ rule }}.property_value)
            or ({{ rule }}.property_operator = 'contains' and {{ dbt.position(rule ~ ".property_value", value) }} > 0)
            or ({{ rule }}.property_operator = 'starts_with' and {{ dbt.position(rule ~ ".property_value", value) }} = 1)
        )
    )
{%- endmacro %}

{#- A property of an event by key: the column staging already extracted when there is one (JSON
    parsing per event and rule is the costliest part of matching), else from the JSON text. -#}
{% macro event_property(event, key_sql) -%}
    case {{ key_sql }}
        {%- for key in ['page_url', 'content_type', 'newsletter', 'form_id'] %}
        when '{{ key }}' then {{ event }}.{{ key }}
        {%- endfor %}
        else {{ json_get_text(event ~ ".properties", key_sql) }}
    end
{%- endmacro %}
