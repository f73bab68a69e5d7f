{#- The caps of an engagement rule (seed engagement_rules), the one place that says how they apply.
    `rule` is a relation or CTE with the rule's columns, `amount` a SQL expression:
    - cap 'max_per_day': at most max_per_day occurrences of the rule count on one day; `amount`
      (occurrences on a day, or an occurrence's position in its day) is kept at or below it;
    - cap 'max_points': the rule's points are kept within -max_points..+max_points.
    A cap that is empty (null) leaves `amount` as it is. -#}
{% macro apply_rule_cap(rule, cap, amount) -%}
    {%- if cap == 'max_per_day' -%}
    (case
        when {{ rule }}.max_per_day is not null and {{ amount }} > {{ rule }}.max_per_day then {{ rule }}.max_per_day
        else {{ amount }}
    end)
    {%- elif cap == 'max_points' -%}
    (case
        when {{ rule }}.max_points is null then {{ amount }}
        when {{ amount }} > {{ rule }}.max_points then {{ rule }}.max_points
        when {{ amount }} < -1 * {{ rule }}.max_points then -1 * {{ rule }}.max_points
        else {{ amount }}
    end)
    {%- else -%}
    {{ exceptions.raise_compiler_error("apply_rule_cap: unknown cap '" ~ cap ~ "' (max_per_day or max_points)") }}
    {%- endif -%}
{%- endmacro %}
