{#- The configuration of an account-grain model restated by account: as restated_by_lead, for
    the accounts int_account_scope flags. `also_delete`: a condition on rows every run rewrites.
    `date_column`: the model's day column, when it restates an account from its restate_from. -#}
{% macro restated_by_account(also_delete=none, date_column=none) -%}
    {{ restated_by_lead('int_account_scope', also_delete, date_column) }}
{%- endmacro %}
