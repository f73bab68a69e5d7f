-- Every problem in seed event_type_mapping, one row each, naming the row by its source (system/name
-- and its condition, macro event_mapping_row_key). int_scoring_config_problems lists them with the
-- scoring seeds' problems, so a bad mapping row stops the run before anything changes and
-- `lead-scoring validate` names it.

with

event_type_mapping as (

    select * from {{ ref('event_type_mapping') }}

),

event_types as (

    select * from {{ ref('event_types') }}

),

-- The event mapping's rows, each named by its source (system/name, and its condition if any).
mapping_rows as (

    select
        seed_row.*,
        {{ event_mapping_row_key('seed_row') }} as row_key,
        nullif(lower(trim(seed_row.source_system)), '') as system_name,
        {{ event_type_name('seed_row.source_event') }} as source_name
    from event_type_mapping as seed_row

),

-- Rows given twice (reported once, as such).
repeated_rows as (

    select row_key, count(*) as copies
    from mapping_rows
    group by row_key
    having count(*) > 1

),

list_positions as (

    {{ integer_series(6) }}

),

-- The pairs of property_renames and set_properties, one row each (at most 5 per cell are
-- applied: a sixth is a problem).
mapping_pairs as (

    select mapping_row.row_key, 'property_renames' as column_name, positions.n,
        {{ dbt.split_part("coalesce(mapping_row.property_renames, '')", "';'", 'positions.n') }} as pair
    from mapping_rows as mapping_row
    cross join list_positions as positions
    union all
    select mapping_row.row_key, 'set_properties' as column_name, positions.n,
        {{ dbt.split_part("coalesce(mapping_row.set_properties, '')", "';'", 'positions.n') }} as pair
    from mapping_rows as mapping_row
    cross join list_positions as positions

),

-- The property each pair adds (a rename's target, a fixed property's key).
added_keys as (

    select
        pairs.row_key,
        trim(case when pairs.column_name = 'property_renames' then {{ dbt.split_part('pairs.pair', "'='", 2) }}
            else {{ dbt.split_part('pairs.pair', "'='", 1) }} end) as added_key
    from mapping_pairs as pairs
    left join repeated_rows
        on repeated_rows.row_key = pairs.row_key
    where nullif(trim(pairs.pair), '') is not null
        and pairs.n <= 5
        and repeated_rows.row_key is null

),

mapping_pair_problems as (

    select 'event_type_mapping' as seed_name, cast(null as {{ dbt.type_string() }}) as model_id, row_key as rule_id,
        case
            when n > 5 then column_name || ': at most 5 pairs'
            when {{ dbt.position("'='", 'pair') }} = 0
                or nullif(trim({{ dbt.split_part('pair', "'='", 1) }}), '') is null
                or nullif(trim({{ dbt.split_part('pair', "'='", 2) }}), '') is null
                or {{ dbt.split_part('pair', "'='", 3) }} != ''
                then column_name || ': ''' || trim(pair) || ''' is not a key=value pair (pairs are separated by ;)'
            when {{ dbt.position("'\"'", 'pair') }} > 0 or {{ dbt.position('chr(92)', 'pair') }} > 0
                then column_name || ': ''' || trim(pair) || ''' holds a double quote or a backslash'
        end as problem
    from mapping_pairs
    where nullif(trim(pair), '') is not null

    union all

    -- A property the row would add twice (the JSON object would hold the key twice).
    select 'event_type_mapping' as seed_name, cast(null as {{ dbt.type_string() }}) as model_id, row_key as rule_id,
        'property ''' || added_key || ''' is added ' || cast(count(*) as {{ dbt.type_string() }}) || ' times by property_renames and set_properties' as problem
    from added_keys
    group by row_key, added_key
    having count(*) > 1

),

mapping_problems as (

    select 'event_type_mapping' as seed_name, cast(null as {{ dbt.type_string() }}) as model_id, mapping_row.row_key as rule_id,
        case
            when mapping_row.source_name is null or mapping_row.source_name = '' then 'source_event is empty'
            when event_types.event_type is null then 'unknown event_type ''' || coalesce(mapping_row.event_type, '') || ''' (see seed event_types)'
            when (nullif(trim(mapping_row.property_key), '') is null) != (nullif(trim(mapping_row.property_value), '') is null)
                then 'property_key and property_value go together'
            when {{ property_condition_problem('mapping_row.property_key', 'mapping_row.property_operator', 'mapping_row.property_value') }} is not null
                then {{ property_condition_problem('mapping_row.property_key', 'mapping_row.property_operator', 'mapping_row.property_value') }}
        end as problem
    from mapping_rows as mapping_row
    left join event_types on lower(trim(mapping_row.event_type)) = event_types.event_type

    union all

    select 'event_type_mapping' as seed_name, cast(null as {{ dbt.type_string() }}) as model_id, row_key as rule_id,
        'source_event appears ' || cast(copies as {{ dbt.type_string() }}) || ' times with this source_system and condition' as problem
    from repeated_rows

    union all

    -- The loader accepts a name by its rows without a condition: a name that is not an event
    -- type needs one, or its events would load and match no row.
    select 'event_type_mapping' as seed_name, cast(null as {{ dbt.type_string() }}) as model_id, conditional.row_key as rule_id,
        'source_event ''' || conditional.source_name || ''' has only rows with a property condition: add a row without one (for events no condition matches)' as problem
    from mapping_rows as conditional
    left join event_types on event_types.event_type = conditional.source_name
    where nullif(trim(conditional.property_key), '') is not null
        and event_types.event_type is null
        and not exists (
            select 1
            from mapping_rows as fallback
            where fallback.source_name = conditional.source_name
                and nullif(trim(fallback.property_key), '') is null
                and (fallback.system_name is null or fallback.system_name = conditional.system_name)
        )

    union all

    select * from mapping_pair_problems

),

final as (

    select seed_name, model_id, rule_id, problem
    from mapping_problems
    where problem is not null

)

select * from final
