{#- not_null for several columns of one model in one test: one scan and one dbt node instead of
    one per column, where dbt's per-test overhead cost more than the query. Returns one row per
    column that has nulls, with their count; the failures are the null values in all. -#}
{% test not_null_columns(model, column_names) %}
{{ config(fail_calc='coalesce(sum(null_rows), 0)') }}
with null_counts as (
    select
        {%- for column_name in column_names %}
        sum(case when {{ column_name }} is null then 1 else 0 end) as nulls_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}
)
{%- for column_name in column_names %}
select '{{ column_name }}' as column_name, nulls_{{ loop.index }} as null_rows
from null_counts
where nulls_{{ loop.index }} > 0
{{ 'union all' if not loop.last }}
{%- endfor %}
{% endtest %}
