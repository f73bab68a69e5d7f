{#- Each slice's value of a lead as a column slice__<name> (a missing value is 'unknown'), to
    follow the other columns of a select list: each with its leading comma, so that no slices add
    nothing. `relation_alias` holds the slice columns (int_lead_funnel_stages' attributes);
    `slices` defaults to funnel_slices(). -#}
{% macro funnel_slice_columns(relation_alias, slices=none) -%}
    {%- for slice_name, column in (slices if slices is not none else funnel_slices()) %},
    coalesce(cast({{ relation_alias }}.{{ column }} as {{ dbt.type_string() }}), 'unknown') as slice__{{ slice_name }}
    {%- endfor %}
{%- endmacro %}
