{#- The join that keeps the leads a mart of today's state (restated_by_lead_today) recomputes:
    those int_lead_lifecycle_scope flags; nothing when the run restates every lead
    (`restates_every_lead`: the model's restates_every_lead_today(), asked once per model). -#}
{% macro leads_restated_today(relation_alias, restates_every_lead) -%}
    {%- if not restates_every_lead -%}
        {{ leads_in_scoring_scope(relation_alias, 'int_lead_lifecycle_scope') }}
    {%- endif -%}
{%- endmacro %}
