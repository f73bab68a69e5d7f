{#- Whether a mart of today's state (restated_by_lead_today) recomputes every lead in this run:
    on a full build, and when its table holds no row or a row of another scoring day than this
    run's (the day moved on: every engaged lead's decayed score and every open stint's days have
    changed). Otherwise the scoring day is the one the table was built for, and only the leads
    int_lead_lifecycle_scope flags changed. Every such mart has the scoring day in as_of_date. -#}
{% macro restates_every_lead_today() -%}
    {%- if not is_incremental() or not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set counted -%}
        select count(*), count(case when as_of_date = {{ scoring_as_of_date() }} then 1 end)
        from {{ this }}
    {%- endset -%}
    {%- set rows, rows_of_the_day = run_query(counted).rows[0] -%}
    {{ return(rows == 0 or rows_of_the_day != rows) }}
{%- endmacro %}
