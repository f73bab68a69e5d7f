{#- The column by which to narrow the generic test being compiled, or none to test every row.
    Only with the var data_test_scope = 'changed' (the daily job), and only for a model whose
    config meta names the column under `meta_key` (dbt_project.yml): `daily_test_scope`, the lead
    id (or account id) column of a lead-grain model; `daily_test_scope_staged`, the column
    recording when an incremental staging model's row was staged. Left whole: tests about the
    table as a whole (not_empty, which a day without rescored leads would fail), tests with
    `meta: {daily_test_scope: whole_table}`, and tests of a model of today's state (meta
    daily_test_scope_today_state) on a run that restated today's state whole
    (today_state_restated_whole: the first run of a day, when the decay moved every lead). -#}
{% macro daily_test_scope_column(meta_key='daily_test_scope') -%}
    {%- if not execute or data_test_scope() != 'changed' -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set test_meta = model.get('config', {}).get('meta', {}) -%}
    {%- set test_name = model.get('test_metadata', {}).get('name') -%}
    {%- if test_name in ['not_empty'] or test_meta.get('daily_test_scope') == 'whole_table' -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set tested_meta = (graph.nodes.get(model.get('attached_node')) or {}).get('config', {}).get('meta', {}) -%}
    {%- if tested_meta.get('daily_test_scope_today_state') and today_state_restated_whole() -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- do return(tested_meta.get(meta_key)) -%}
{%- endmacro %}
