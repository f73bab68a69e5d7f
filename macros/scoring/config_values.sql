{#- Reading the text-typed scoring seeds. `as_number` is null for empty or non-numeric text;
    `is_bad_number` is true when text is present but not a number. `as_id` is a model_id or
    rule_id as the scoring models use it (spaces around it removed, empty = null): the
    validation compares ids the same way, so ids that differ only in spaces are duplicates. -#}
{% macro as_id(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

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

{#- "N times" for ids that appear N times (as_id); when their spellings in the file differ (spaces
    around the id), says so, since the rows do not look alike. -#}
{% macro duplicate_times(column) -%}
    cast(count(*) as {{ dbt.type_string() }}) || ' times'
    || case when count(distinct {{ column }}) > 1 then ' (spelled with different spaces around it)' else '' end
{%- endmacro %}
