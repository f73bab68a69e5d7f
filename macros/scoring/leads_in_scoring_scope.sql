{#- The leads an incremental lead-grain model computes: those its scope model flags, or all on a
    full build. -#}
{% macro leads_in_scoring_scope(relation_alias, scope='int_lead_scoring_scope') -%}
    {%- if is_incremental() -%}
        inner join {{ ref(scope) }} as scope
            on scope.lead_id = {{ relation_alias }}.lead_id
            and scope.{{ lead_scope_flags()[scope] }}
    {%- endif -%}
{%- endmacro %}
