{#- How a measured value compares with a benchmark (a row of seed funnel_benchmarks aliased
    `benchmark`):
      benchmark_flag  - below / within / above the typical range [typical_min, typical_max];
      benchmark_alarm - the source texts' warning when the value passes an alarm bound (e.g. a
                        lead->MQL rate under 5 % = criteria too strict, over 25 % = too loose).
    Both are empty when the value is, e.g. for an immature period. -#}
{% macro benchmark_classification(value, benchmark) -%}
        case
            when {{ value }} is null then null
            when {{ value }} < {{ benchmark }}.typical_min then 'below'
            when {{ value }} > {{ benchmark }}.typical_max then 'above'
            else 'within'
        end as benchmark_flag,
        case
            when {{ value }} is null then null
            when {{ value }} < {{ benchmark }}.alarm_below then {{ benchmark }}.alarm_below_label
            when {{ value }} > {{ benchmark }}.alarm_above then {{ benchmark }}.alarm_above_label
        end as benchmark_alarm
{%- endmacro %}
