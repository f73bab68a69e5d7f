{#- The date column of the model being tested whose rows on the scoring day every run rewrites
    (`meta: {daily_test_scope_day: <column>}`, beside daily_test_scope), or none: on a daily run
    its tests check those rows as well as the recomputed leads' or accounts'. -#}
{% macro daily_test_scope_day_column() -%}
    {%- set tested = graph.nodes.get(model.get('attached_node')) or {} -%}
    {%- do return(tested.get('config', {}).get('meta', {}).get('daily_test_scope_day')) -%}
{%- endmacro %}
