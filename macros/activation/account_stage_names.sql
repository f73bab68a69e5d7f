{#- The account stages a suppression of kind account_stage may name (seed activation_suppressions):
    opportunity (one of the account's leads has an open opportunity) and customer (from the
    account's first won deal on), as the account funnel counts them. -#}
{% macro account_stage_names() -%}
    {{ return(['opportunity', 'customer']) }}
{%- endmacro %}
