{#- Data tests that scale with the change. dbt wraps the model of every generic test in
    get_where_subquery (that is how the `where` test config works); this version, found before
    dbt's through `dispatch` in dbt_project.yml, keeps that and, on a daily run, also narrows the
    rows of lead-grain models to the leads the run recomputed (daily_test_scope_column,
    daily_test_scope_model), and the rows for the scoring day every run rewrites
    (daily_test_scope_day_column); on incremental staging models, to the rows the latest staging
    wrote (daily_test_scope_column, latest_staged_rows_condition). The relation gets an
    alias: Spark would read `where (` right after a table name as a table alias with a column
    list. A view whose rows a macro builds with a lead_filter (its meta
    daily_test_scope_rows_macro: fct_lead_score_explanations, lead_score_explanations) is read
    through that macro with the leads as the filter: a filter on the view itself would apply only
    after every lead's rows were built. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set scope_column = daily_test_scope_column() -%}
    {%- set built_rows = none -%}
    {%- if scope_column -%}
        {%- set scoped = rescored_leads_condition(scope_column, daily_test_scope_model()) -%}
        {%- set day_column = daily_test_scope_day_column() -%}
        {%- set rows_macro = ((graph.nodes.get(model.get('attached_node')) or {}).get('config', {}).get('meta', {})).get('daily_test_scope_rows_macro') -%}
        {%- if day_column -%}
            {%- set scoped = '(' ~ scoped ~ ' or ' ~ day_column ~ ' = ' ~ scoring_as_of_date() ~ ')' -%}
        {%- endif -%}
        {%- if rows_macro and not day_column -%}
            {%- set built_rows = '(' ~ context[rows_macro](lead_filter=scoped) ~ ')' -%}
        {%- else -%}
            {%- do conditions.append(scoped) -%}
        {%- endif -%}
    {%- endif -%}
    {%- set staged_column = daily_test_scope_column('daily_test_scope_staged') -%}
    {%- if staged_column -%}
        {%- do conditions.append(latest_staged_rows_condition(relation, staged_column)) -%}
    {%- endif -%}
    {%- if conditions or built_rows -%}
        {%- set filtered -%}
            (select * from {{ built_rows or relation }} as tested_rows{% if conditions %} where {{ conditions | join(' and ') }}{% endif %}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
