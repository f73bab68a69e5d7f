{#- Reading the text-typed scoring seeds. `as_number` is null for empty or non-numeric text;
    `is_bad_number` is true when text is present but not a number. -#}
{% macro as_number(column) -%}
    {{ dbt.safe_cast("nullif(trim(" ~ column ~ "), '')", api.Column.translate_type("float")) }}
{%- endmacro %}

{% macro is_bad_number(column) -%}
    (nullif(trim({{ column }}), '') is not null and {{ as_number(column) }} is null)
{%- endmacro %}

{% macro as_flag(column) -%}
    coalesce(lower(trim({{ column }})) in ('true', 'yes', '1', 'y'), false)
{%- endmacro %}

{% macro is_bad_flag(column) -%}
    (nullif(trim({{ column }}), '') is not null and lower(trim({{ column }})) not in ('true', 'false', 'yes', 'no', '1', '0', 'y', 'n'))
{%- endmacro %}
