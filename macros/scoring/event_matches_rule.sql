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
