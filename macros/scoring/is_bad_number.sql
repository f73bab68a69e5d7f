{#- True when a text-typed seed cell holds text that is not a number (empty is not bad). -#}
{% macro is_bad_number(column) -%}
    (nullif(trim({{ column }}), '') is not null and {{ as_number(column) }} is null)
{%- endmacro %}
