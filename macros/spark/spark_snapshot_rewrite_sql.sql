{#- The merged snapshot of the Spark snapshot materialization (snapshot.sql): the target with the
    versions that changed or vanished closed (their dbt_valid_to set), plus the new versions. -#}
{% macro spark_snapshot_rewrite_sql(target, staging, columns) -%}
    {%- set scd_id = columns.dbt_scd_id -%}
    {%- set valid_to = columns.dbt_valid_to -%}
    {%- set target_columns = adapter.get_columns_in_relation(target) | map(attribute='name') | list -%}
    {%- set valid_to_current = config.get('dbt_valid_to_current') -%}
    with closing as (
        select {{ scd_id }}, {{ valid_to }}
        from {{ staging }}
        where dbt_change_type in ('update', 'delete')
    )
    select
        {%- for column in target_columns %}
        {% if column | lower == valid_to | lower -%}
        case
            when closing.{{ scd_id }} is not null
                 and (dest.{{ valid_to }} is null{% if valid_to_current %} or dest.{{ valid_to }} = {{ valid_to_current }}{% endif %})
                then closing.{{ valid_to }}
            else dest.{{ valid_to }}
        end as {{ column }}
        {%- else -%}
        dest.{{ column }}
        {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ target }} as dest
    left join closing on closing.{{ scd_id }} = dest.{{ scd_id }}
    union all
    select
        {%- for column in target_columns %}
        source.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ staging }} as source
    left anti join {{ target }} as dest on dest.{{ scd_id }} = source.{{ scd_id }}
    where source.dbt_change_type = 'insert'
{%- endmacro %}
