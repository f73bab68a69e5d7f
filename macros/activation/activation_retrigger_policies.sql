{#- The re-trigger policies of the activation rules (seed activation_rules.retrigger): which of
    the times a rule's condition becomes true (or false, for an exit rule) make an activation.
    Account rules (target account) have the same three, counted per account and MQA episode. -#}
{% macro activation_retrigger_policies(target='lead') -%}
    {%- if target == 'account' -%}
        {{ return(['once_per_account', 'once_per_mqa_episode', 'every_entry']) }}
    {%- else -%}
        {{ return(['once_per_lead', 'once_per_mql_episode', 'every_entry']) }}
    {%- endif -%}
{%- endmacro %}
