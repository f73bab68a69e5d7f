{#- The condition on the column lead_id that keeps the leads a mart of today's state
    (restated_by_lead_today) recomputes, for a macro that takes a lead_filter (lead_scores_as_of,
    lead_score_explanations): those int_lead_lifecycle_scope flags; none when the run restates
    every lead (`restates_every_lead`: the model's restates_every_lead_today()). The join form of
    the same scope is leads_restated_today. -#}
{% macro lead_filter_restated_today(restates_every_lead) -%}
    {%- if restates_every_lead -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(rescored_leads_condition('lead_id', 'int_lead_lifecycle_scope')) }}
{%- endmacro %}
