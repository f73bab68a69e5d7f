{#- Points of one engagement rule for a lead on `day`, from the rule's state on `state_date`
    (the latest change on or before `day`): rule_points with the state's decayed occurrences,
    decayed further from state_date to day. The rule's caps apply there (apply_rule_cap). -#}
{% macro rule_points_at(state, rule, day) -%}
    {{ rule_points(rule, state ~ ".occurrences_in_window",
        state ~ ".weighted_occurrences * " ~ decay_factor(dbt.datediff(state ~ ".state_date", day, 'day'), rule ~ ".half_life_days")) }}
{%- endmacro %}
