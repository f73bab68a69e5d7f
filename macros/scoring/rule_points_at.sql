{#- Points of one engagement rule for a lead on `day`, from the rule's state on `state_date`
    (the latest change on or before `day`). Caps and count rules live here:
    - count rule (min_count): `points` once while at least min_count occurrences are in the window;
    - otherwise: points x decayed occurrences, decayed further from state_date to day,
      then kept within -max_points..+max_points. -#}
{% macro rule_points_at(state, rule, day) -%}
    {{ rule_points(rule, state ~ ".occurrences_in_window",
        state ~ ".weighted_occurrences * " ~ decay_factor(dbt.datediff(state ~ ".state_date", day, 'day'), rule ~ ".half_life_days")) }}
{%- endmacro %}

{#- A rule's points with `occurrences` in its window whose (decayed) weight is `weighted` - an
    expression multiplied into the points as it is, so parenthesise a sum. -#}
{% macro rule_points(rule, occurrences, weighted) -%}
    (case
        when {{ rule }}.min_count is not null then
            case when {{ occurrences }} >= {{ rule }}.min_count then {{ rule }}.points else 0.0 end
        else {{ clamp_points(rule ~ ".points * " ~ weighted, rule ~ ".max_points") }}
    end)
{%- endmacro %}

{#- A rule's total kept within -max_points..+max_points (no limit when max_points is null). -#}
{% macro clamp_points(points, max_points) -%}
    (case
        when {{ max_points }} is null then {{ points }}
        when {{ points }} > {{ max_points }} then {{ max_points }}
        when {{ points }} < -1 * {{ max_points }} then -1 * {{ max_points }}
        else {{ points }}
    end)
{%- endmacro %}

{#- A rule holds (for required-for-MQL gates) while enough occurrences are in its window. -#}
{% macro rule_holds(state, rule) -%}
    {{ rule_holds_at(rule, state ~ ".occurrences_in_window") }}
{%- endmacro %}

{#- Whether a rule holds (for gates) with `occurrences` in its window. -#}
{% macro rule_holds_at(rule, occurrences) -%}
    ({{ occurrences }} >= coalesce({{ rule }}.min_count, 1))
{%- endmacro %}
