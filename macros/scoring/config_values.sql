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

{#- What a sales rejection does to a lead's MQL score (seed scoring_models.recycle_policy):
    next_crossing (the default when empty) or reset_engagement. -#}
{% macro recycle_policies() -%}
    {{ return(['next_crossing', 'reset_engagement']) }}
{%- endmacro %}

{% macro recycle_policy(column) -%}
    lower(coalesce(nullif(trim({{ column }}), ''), 'next_crossing'))
{%- endmacro %}
