{#- Data tests that scale with the change. dbt wraps the model of every generic test in
    get_where_subquery (that is how the `where` test config works); this version, found before
    dbt's through `dispatch` in dbt_project.yml, keeps that and, on a daily run, also narrows the
    rows of lead-grain models to the leads the run recomputed (daily_test_scope_column,
    daily_test_scope_model), and the rows for the scoring day every run rewrites
    (daily_test_scope_day_column); on incremental staging models, to the rows the latest staging
    wrote (daily_test_scope_column, latest_staged_rows_condition). The relation gets an
    alias: Spark would read `where (` right after a table name as a table alias with a column
    list. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set scope_column = daily_test_scope_column() -%}
    {%- if scope_column -%}
        {%- set scoped = rescored_leads_condition(scope_column, daily_test_scope_model()) -%}
        {%- set day_column = daily_test_scope_day_column() -%}
        {%- if day_column -%}
            {%- set scoped = '(' ~ scoped ~ ' or ' ~ day_column ~ ' = ' ~ scoring_as_of_date() ~ ')' -%}
        {%- endif -%}
        {%- do conditions.append(scoped) -%}
    {%- endif -%}
    {%- set staged_column = daily_test_scope_column('daily_test_scope_staged') -%}
    {%- if staged_column -%}
        {%- do conditions.append(latest_staged_rows_condition(relation, staged_column)) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} as tested_rows where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
