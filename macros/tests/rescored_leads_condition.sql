{#- A condition on `column`: a lead this run recomputed (flagged in `scope_model`, a key of
    lead_scope_flags: the rescored leads of int_lead_scoring_scope by default; an account for
    int_account_scope, scope_key), or no lead at all,
    so that not_null on the column still fails. In a data test the scope's relation comes from
    the graph, not ref() (model_relation): a test may only ref() models it depends on, and a
    dependency on the scope would tie every test to it. -#}
{% macro rescored_leads_condition(column, scope_model='int_lead_scoring_scope') -%}
    ({{ column }} is null or {{ column }} in (select {{ scope_key(scope_model) }} from {{ model_relation(scope_model) }} where {{ lead_scope_flags()[scope_model] }}))
{%- endmacro %}
