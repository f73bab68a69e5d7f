{#- A condition on `column`: a lead this run rescored (int_lead_scoring_scope where
    needs_rescore), or no lead at all, so that not_null on the column still fails. The scope's
    relation comes from the graph, not ref(): a test may only ref() models it depends on, and a
    dependency on the scope would tie every test to it. -#}
{% macro rescored_leads_condition(column) -%}
    {%- set scope = graph.nodes['model.' ~ project_name ~ '.int_lead_scoring_scope'] -%}
    ({{ column }} is null or {{ column }} in (select lead_id from {{ scope.relation_name }} where needs_rescore))
{%- endmacro %}
