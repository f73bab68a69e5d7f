{#- A rule's points with `occurrences` in its window whose (decayed) weight is `weighted` - an
    expression multiplied into the points as it is, so parenthesise a sum. A count rule (min_count)
    gives its points once while at least min_count occurrences are in the window; any other rule
    gives points x weight, within its max_points cap (apply_rule_cap). -#}
{% macro rule_points(rule, occurrences, weighted) -%}
    (case
        when {{ rule }}.min_count is not null then
            case when {{ occurrences }} >= {{ rule }}.min_count then {{ rule }}.points else 0.0 end
        else {{ apply_rule_cap(rule, 'max_points', rule ~ ".points * " ~ weighted) }}
    end)
{%- endmacro %}
