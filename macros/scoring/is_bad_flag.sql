{#- True when a text-typed seed cell holds text that is not a yes/no value (empty is not bad). -#}
{% macro is_bad_flag(column) -%}
    (nullif(trim({{ column }}), '') is not null and lower(trim({{ column }})) not in ('true', 'false', 'yes', 'no', '1', '0', 'y', 'n'))
{%- endmacro %}
