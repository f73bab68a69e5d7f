{#- The configuration of an account-grain model restated by account: as restated_by_lead, for
    the accounts int_account_scope flags. `also_delete`: a condition on rows every run rewrites. -#}
{% macro restated_by_account(also_delete=none) -%}
    {{ restated_by_lead('int_account_scope', also_delete) }}
{%- endmacro %}
