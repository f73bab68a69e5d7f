{#- Whether this run restated today's state whole, as int_lead_today_state_scope recorded before
    the marts of today's state were built: yes when it says so, and when it holds no row for this
    run's scoring day or has no table (a run that did not build it cannot vouch for the day). A
    data test of those marts or of fct_lead_score_explanations then checks every row. -#}
{% macro today_state_restated_whole() -%}
    {%- set node = graph.nodes['model.' ~ project_name ~ '.int_lead_today_state_scope'] -%}
    {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
    {%- if relation is none -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set recorded -%}
        select count(case when not restates_every_lead and as_of_date = {{ scoring_as_of_date() }} then 1 end)
        from {{ relation }}
    {%- endset -%}
    {{ return(run_query(recorded).rows[0][0] == 0) }}
{%- endmacro %}
