{#- A text-typed seed cell as a boolean: true for true/yes/1/y (any case), else false. -#}
{% macro as_flag(column) -%}
    coalesce(lower(trim({{ column }})) in ('true', 'yes', '1', 'y'), false)
{%- endmacro %}
