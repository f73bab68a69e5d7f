{#- The lead entered a stage at `entered_at` no later than `window_days` days after `start_at`
    (entering the cohort). False when it never entered. -#}
{% macro entered_within_days(start_at, entered_at, window_days) -%}
    ({{ entered_at }} is not null and {{ dbt.datediff(start_at, entered_at, 'second') }} <= {{ window_days }} * 86400)
{%- endmacro %}
