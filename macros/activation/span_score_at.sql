{#- Aggregate expression: a score span's total `offset` days after its first day - the part that
    does not decay (one value per group, `base_score`) plus each decaying rule state's points
    decayed that far. `states` aliases rows with the state's occurrences_in_window, weighted_occurrences,
    age_at_start (days from the state's date to the span's first day) and the rule's settings
    (int_lead_score_band_spans' candidate_states). -#}
{% macro span_score_at(states, base_score, offset) -%}
    max({{ base_score }}) + coalesce(sum({{ rule_points(states, states ~ '.occurrences_in_window',
        states ~ '.weighted_occurrences * ' ~ decay_factor(states ~ '.age_at_start + ' ~ offset, states ~ '.half_life_days')) }}), 0.0)
{%- endmacro %}
