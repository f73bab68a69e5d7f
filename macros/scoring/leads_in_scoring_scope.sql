{#- The leads an incremental lead-grain model computes: those its scope model flags, or all on a
    full build (the accounts, for int_account_scope: scope_key). -#}
{% macro leads_in_scoring_scope(relation_alias, scope='int_lead_scoring_scope') -%}
    {%- if is_incremental() -%}
        {%- set key = scope_key(scope) -%}
        inner join {{ ref(scope) }} as scope
            on scope.{{ key }} = {{ relation_alias }}.{{ key }}
            and scope.{{ lead_scope_flags()[scope] }}
    {%- endif -%}
{%- endmacro %}
