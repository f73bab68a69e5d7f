{#- The scope model whose flagged leads the tests of the model being tested check: its
    `meta: {daily_test_scope_model: ...}`, else int_lead_scoring_scope (the rescored leads). -#}
{% macro daily_test_scope_model() -%}
    {%- set tested = graph.nodes.get(model.get('attached_node')) or {} -%}
    {%- do return(tested.get('config', {}).get('meta', {}).get('daily_test_scope_model', 'int_lead_scoring_scope')) -%}
{%- endmacro %}
