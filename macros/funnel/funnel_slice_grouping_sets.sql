{#- The group by of a sliced aggregate: one grouping set for "all" (`keys` alone) and one per
    slice (`keys` plus its slice__<name> column of funnel_slice_columns). One pass over the
    lead-level rows computes every slice, instead of joining each lead to one row per slice.
    (sqlfluff's DuckDB dialect cannot parse grouping sets: the callers' group by lines carry
    `-- noqa: PRS`.) -#}
{% macro funnel_slice_grouping_sets(keys, slices=none) -%}
    grouping sets (
        ({{ keys | join(', ') }})
        {%- for slice_name, column in (slices if slices is not none else funnel_slices()) %},
        ({{ keys | join(', ') }}, slice__{{ slice_name }})
        {%- endfor %}
    )
{%- endmacro %}
