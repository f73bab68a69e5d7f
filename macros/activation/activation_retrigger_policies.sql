{#- The re-trigger policies of the activation rules (seed activation_rules.retrigger): which of
    the times a rule's condition becomes true (or false, for an exit rule) make an activation. -#}
{% macro activation_retrigger_policies() -%}
    {{ return(['once_per_lead', 'once_per_mql_episode', 'every_entry']) }}
{%- endmacro %}
