{#- Points of one engagement rule for a lead on `day`, from the rule's state on `state_date`
    (the latest change on or before `day`). Caps and count rules live here:
    - count rule (min_count): `points` once while at least min_count occurrences are in the window;
    - otherwise: points x decayed occurrences, decayed further from state_date to day,
      then kept within -max_points..+max_points. -#}
{% macro rule_points_at(state, rule, day) -%}
    {{ rule_points(rule, state ~ ".occurrences_in_window",
        state ~ ".weighted_occurrences * " ~ decay_factor(dbt.datediff(state ~ ".state_date", day, 'day'), rule ~ ".half_life_days")) }}
{%- endmacro %}
