{#- The states an account rule may require (seed activation_rules.account_state): mqa (the account
    is a marketing-qualified account) or engaged (int_account_score_days). -#}
{% macro account_activation_states() -%}
    {{ return(['mqa', 'engaged']) }}
{%- endmacro %}
