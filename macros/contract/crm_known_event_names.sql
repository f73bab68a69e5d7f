{#- The event names a CRM's staging keeps, per source system of `source_systems`: the names a row of
    seed event_type_mapping gives a type to (a row without a source_system holds for every system)
    and the canonical types (seed event_types). A name neither knows is no event of the lead's
    journey (a task, a note, a sent email) and the CRM's staging leaves it out. -#}
{% macro crm_known_event_names(source_systems) -%}
    {%- for system in source_systems %}
    {% if not loop.first %}union
    {% endif -%}
    select
        cast('{{ system }}' as {{ dbt.type_string() }}) as source_system,
        {{ event_type_name('event_mappings.source_event') }} as source_event
    from {{ ref('event_type_mapping') }} as event_mappings
    where
        nullif(lower(trim(event_mappings.source_system)), '') is null
        or lower(trim(event_mappings.source_system)) = '{{ system }}'
    union
    select
        cast('{{ system }}' as {{ dbt.type_string() }}) as source_system,
        event_types.event_type as source_event
    from {{ ref('event_types') }} as event_types
    {%- endfor %}
{%- endmacro %}
