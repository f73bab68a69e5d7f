{#- The MQL gates: every required fit rule matches and every required engagement rule holds.
    `gates` is a row of int_scoring_model_gate_counts. -#}
{% macro required_rules_hold(required_fit_rules_matched, required_engagement_rules_holding, gates) -%}
    (coalesce({{ required_fit_rules_matched }}, 0) = {{ gates }}.required_fit_rules
     and coalesce({{ required_engagement_rules_holding }}, 0) = {{ gates }}.required_engagement_rules)
{%- endmacro %}
