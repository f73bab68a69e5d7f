{#- The leads an incremental scoring model computes: those in scope, or all on a full build. -#}
{% macro leads_in_scoring_scope(relation_alias) -%}
    {%- if is_incremental() -%}
        inner join {{ ref('int_lead_scoring_scope') }} as scope
            on scope.lead_id = {{ relation_alias }}.lead_id
            and scope.needs_rescore
    {%- endif -%}
{%- endmacro %}
