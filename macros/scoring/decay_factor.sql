{#- Exponential decay: the weight of an occurrence `age_days` old under a half-life of
    `half_life_days` is 0.5 ^ (age / half-life); 1 when the rule does not decay (half-life null).
    A negative age gives the growth factor used to keep decayed running sums as plain sums. -#}
{% macro decay_factor(age_days, half_life_days) -%}
    (case
        when {{ half_life_days }} is null then 1.0
        else power(2.0, -1.0 * ({{ age_days }}) / {{ half_life_days }})
    end)
{%- endmacro %}
