{#- The explanation rows a mart of today's state (restated_by_lead_today) reads: the view
    fct_lead_score_explanations when the run restates every lead; otherwise only the rows of the
    leads int_lead_lifecycle_scope flags, decayed for those leads alone (lead_score_explanations
    with the filter on the rule states - a filter on the view would apply only after every lead's
    rows were built). The model names int_lead_current_rule_states and int_engagement_rules in
    depends_on lines: the second branch reads them. -#}
{% macro explanations_restated_today(restates_every_lead) -%}
    {%- if restates_every_lead -%}
        select * from {{ ref('fct_lead_score_explanations') }}
    {%- else -%}
        {{ lead_score_explanations(lead_filter=lead_filter_restated_today(false)) }}
    {%- endif -%}
{%- endmacro %}
