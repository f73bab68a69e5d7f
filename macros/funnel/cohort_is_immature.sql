{#- The maturity rule, for every cohort-based measure: a cohort whose members entered during the
    month starting `cohort_month` is immature for a window of `window_days` while the month's last
    day + window_days is after the scoring day (var scoring_as_of_date). Its "within N days"
    figures can still grow, so they are not compared with mature cohorts. -#}
{% macro cohort_is_immature(cohort_month, window_days) -%}
    ({{ cohort_mature_on(cohort_month, window_days) }} > {{ scoring_as_of_date() }})
{%- endmacro %}
