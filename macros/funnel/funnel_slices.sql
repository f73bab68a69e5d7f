{#- The slices the funnel marts are cut by besides "all", as (slice_name, column of
    int_lead_funnel_stages) pairs, from the var funnel_slices (dbt_project.yml): the one list,
    read by funnel_slice_columns, funnel_slice_grouping_sets and funnel_slice_name_value. -#}
{% macro funnel_slices() -%}
    {{ return(var('funnel_slices', {}).items() | list) }}
{%- endmacro %}
