{#- A rule's points with `occurrences` in its window whose (decayed) weight is `weighted` - an
    expression multiplied into the points as it is, so parenthesise a sum. -#}
{% macro rule_points(rule, occurrences, weighted) -%}
    (case
        when {{ rule }}.min_count is not null then
            case when {{ occurrences }} >= {{ rule }}.min_count then {{ rule }}.points else 0.0 end
        else {{ clamp_points(rule ~ ".points * " ~ weighted, rule ~ ".max_points") }}
    end)
{%- endmacro %}
