{#- The first scoring day on which that cohort is mature for `window_days`: the month's last day
    + window_days. -#}
{% macro cohort_mature_on(cohort_month, window_days) -%}
    {{ dbt.dateadd('day', window_days, dbt.dateadd('day', -1, dbt.dateadd('month', 1, cohort_month))) }}
{%- endmacro %}
