{#- Points of one engagement rule for a lead on `day`, from the rule's state on `state_date`
    (the latest change on or before `day`): rule_points with the state's decayed occurrences,
    decayed further from state_date to day. The rule's caps apply there (apply_rule_cap).
    `chain`: a prefix of the state's three columns, for a row that carries a second chain
    ('mql_': mql_occurrences_in_window, mql_weighted_occurrences, mql_state_date, as in
    int_lead_current_rule_states). -#}
{% macro rule_points_at(state, rule, day, chain='') -%}
    {{ rule_points(rule, state ~ "." ~ chain ~ "occurrences_in_window",
        state ~ "." ~ chain ~ "weighted_occurrences * " ~ decay_factor(dbt.datediff(state ~ "." ~ chain ~ "state_date", day, 'day'), rule ~ ".half_life_days")) }}
{%- endmacro %}
