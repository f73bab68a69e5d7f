{#- The two cohort views of the funnel, one row per lead and view: by creation month (the funnel
    starts at lead, stage order 1) and by the month of the first MQL (starts at mql, order 2; only
    leads that became MQLs). `leads` is a relation or CTE of int_lead_funnel_stages; all its
    columns are kept. -#}
{% macro funnel_cohort_members(leads) -%}
    select
        'created_month' as cohort_basis,
        created_month as cohort_month,
        created_at as cohort_entered_at,
        1 as first_stage_order,
        {{ leads }}.*
    from {{ leads }}

    union all

    select
        'mql_month' as cohort_basis,
        mql_month as cohort_month,
        mql_entered_at as cohort_entered_at,
        2 as first_stage_order,
        {{ leads }}.*
    from {{ leads }}
    where mql_entered_at is not null
{%- endmacro %}
