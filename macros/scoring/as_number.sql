{#- A text-typed seed cell as a number; null when empty or not a number. -#}
{% macro as_number(column) -%}
    {{ dbt.safe_cast("nullif(trim(" ~ column ~ "), '')", api.Column.translate_type("float")) }}
{%- endmacro %}
