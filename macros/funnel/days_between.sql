{#- Elapsed days (fractional) from `start_at` to `end_at`; null when either is null. -#}
{% macro days_between(start_at, end_at) -%}
    ({{ dbt.datediff(start_at, end_at, 'second') }} / 86400.0)
{%- endmacro %}
