{#- Why the mart of today's state `model_name` (restated_by_lead_today) recomputes every lead in
    this run, or none when it recomputes only the leads int_lead_lifecycle_scope flags: a full
    build; a table rebuilt whole on every run (Spark); no table yet; no rows; or a row of another
    scoring day than this run's (the day moved on: every engaged lead's decayed score and every
    open stint's days have changed). Reads the mart's table as it is now: the mart itself before
    its rows are replaced (restates_every_lead_today), int_lead_today_state_scope before the
    marts are built. -#}
{% macro today_state_restatement_reason(model_name) -%}
    {%- set as_of = scoring_as_of_date() -%}
    {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ model_name] -%}
    {%- if flags.FULL_REFRESH -%}
        {{ return('a full build') }}
    {%- elif node.config.materialized != 'incremental' -%}
        {{ return(model_name ~ ' is rebuilt whole on every run') }}
    {%- endif -%}
    {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
    {%- if relation is none -%}
        {{ return(model_name ~ ' has no table yet') }}
    {%- endif -%}
    {%- set counted -%}
        select count(*), count(case when as_of_date = {{ as_of }} then 1 end)
        from {{ relation }}
    {%- endset -%}
    {%- set rows, rows_of_the_day = run_query(counted).rows[0] -%}
    {%- if rows == 0 -%}
        {{ return(model_name ~ ' has no rows') }}
    {%- elif rows_of_the_day != rows -%}
        {{ return(model_name ~ ' holds another scoring day') }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}
