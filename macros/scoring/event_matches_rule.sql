{#- The optional property condition of an engagement rule (or of a row of the event mapping) on the
    JSON property `property_key` of the event: equals, contains or starts_with on its text
    (case-insensitive), or >=, <= or between (low..high, both included) on its number. A value
    that is not a number never matches a numeric operator (safe_cast gives null, not an error). -#}
{% macro event_matches_rule(rule, event) -%}
    (
        {{ rule }}.property_key is null
        or (
            {%- set property = event_property(event, rule ~ ".property_key") %}
            {%- set value = "lower(" ~ property ~ ")" %}
            {%- set number = dbt.safe_cast(property, type_double()) %}
            {%- set limit = dbt.safe_cast(rule ~ ".property_value", type_double()) %}
            ({{ rule }}.property_operator = 'equals' and {{ value }} = {{ rule }}.property_value)
            or ({{ rule }}.property_operator = 'contains' and {{ dbt.position(rule ~ ".property_value", value) }} > 0)
            or ({{ rule }}.property_operator = 'starts_with' and {{ dbt.position(rule ~ ".property_value", value) }} = 1)
            or ({{ rule }}.property_operator = '>=' and {{ number }} >= {{ limit }})
            or ({{ rule }}.property_operator = '<=' and {{ number }} <= {{ limit }})
            or ({{ rule }}.property_operator = 'between'
                and {{ number }} >= {{ dbt.safe_cast(dbt.split_part(rule ~ ".property_value", "'..'", 1), type_double()) }}
                and {{ number }} <= {{ dbt.safe_cast(dbt.split_part(rule ~ ".property_value", "'..'", 2), type_double()) }})
        )
    )
{%- endmacro %}
