{#- slice_name and slice_value of a row grouped by funnel_slice_grouping_sets: the slice whose
    column the row's grouping set kept (the others are null there, and a kept slice column is
    never null), else "all". -#}
{% macro funnel_slice_name_value(slices=none) -%}
    {%- set slices = slices if slices is not none else funnel_slices() -%}
    {%- if slices | length == 0 -%}
    'all' as slice_name,
    'all' as slice_value
    {%- else -%}
    case
        {%- for slice_name, column in slices %}
        when slice__{{ slice_name }} is not null then '{{ slice_name }}'
        {%- endfor %}
        else 'all'
    end as slice_name,
    coalesce({% for slice_name, column in slices %}slice__{{ slice_name }}, {% endfor %}'all') as slice_value
    {%- endif %}
{%- endmacro %}
