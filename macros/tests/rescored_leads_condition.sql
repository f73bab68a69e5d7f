{#- A condition on `column`: a lead this run recomputed (flagged in `scope_model`, a key of
    lead_scope_flags: the rescored leads of int_lead_scoring_scope by default; an account for
    int_account_scope, scope_key), or no lead at all,
    so that not_null on the column still fails. The scope's relation comes from the graph, not
    ref(): a test may only ref() models it depends on, and a dependency on the scope would tie
    every test to it. -#}
{% macro rescored_leads_condition(column, scope_model='int_lead_scoring_scope') -%}
    {%- set scope = graph.nodes['model.' ~ project_name ~ '.' ~ scope_model] -%}
    ({{ column }} is null or {{ column }} in (select {{ scope_key(scope_model) }} from {{ scope.relation_name }} where {{ lead_scope_flags()[scope_model] }}))
{%- endmacro %}
