{#- The key column of a scope model of lead_scope_flags: account_id for int_account_scope (the
    account models restated by account), lead_id for the others. -#}
{% macro scope_key(scope) -%}
    {{ return('account_id' if scope == 'int_account_scope' else 'lead_id') }}
{%- endmacro %}
