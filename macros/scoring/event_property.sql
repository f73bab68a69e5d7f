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
