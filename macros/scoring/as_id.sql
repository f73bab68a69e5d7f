{#- A model_id or rule_id as the scoring models use it: spaces around it removed, empty = null.
    The validation compares ids the same way, so ids that differ only in spaces are duplicates. -#}
{% macro as_id(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}
