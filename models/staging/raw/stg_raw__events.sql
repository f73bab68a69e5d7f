-- One row per event: event types normalised, timestamps in UTC, and the JSON properties that
-- scoring and the lifecycle read most often pulled out as typed columns, with the delivery each
-- row came in (source_file, load_id) and the length of its content for the rescoring fingerprint.
--
-- Incremental: with the project's loader a run stages only the deliveries it has not staged yet,
-- or that lost rows since (macros raw_rows_have_deliveries, stages_by_delivery, raw_deliveries_to_stage and
-- the pre-hook delete_restaged_raw_rows), so a day's run parses a day's events. The loader already
-- keeps one row per event_id; raw tables written by another tool are restaged in full and
-- de-duplicated here (the same event delivered twice keeps its first delivery), and so are the
-- events of a CRM source (lead_source_relation, docs/crm-sources.md). Spark's plain
-- Parquet tables cannot delete rows: there the model is a table rebuilt on every run.
--
-- Event names of other systems become the canonical event types here, through seed
-- event_type_mapping (with the properties its row renames or sets); source_event_type keeps the
-- name as delivered. Each row records the mapping it was staged with (event_mapping_hash): a run
-- after an edit of the mapping restages every event (event_mapping_changed), so the result is
-- the one a full refresh gives. The mapping is part of the scoring configuration's fingerprint,
-- so the same run rescores every lead.
-- (Storing the rows sorted by lead and time cost 30 CPU s at 20M events and saved nothing
-- downstream when measured, so they are not sorted. Parsing each event's JSON once for all eight
-- properties instead of once per property saved 9 of 31 CPU s at 20M events.)
{{ config(
    materialized=incremental_where_supported(),
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ delete_restaged_raw_rows('events') }}",
) }}
{#- The properties read most often, parsed from the JSON once per event (see json_get_texts). -#}
{%- set property = json_get_texts('properties', ['page_url', 'content_type', 'newsletter', 'form_id', 'owner', 'reason', 'budget_confirmed', 'is_decision_maker']) %}
{%- set has_deliveries = raw_rows_have_deliveries('events') %}

with

source as (

    select
        {{ raw_source_columns('events') }},
        {{ raw_delivery_columns(has_deliveries) }}
    from {{ lead_source_relation('events') }}
    {%- if stages_by_delivery('events') %}
    where exists (
        select 1
        from ({{ raw_deliveries_to_stage('events') }}) as deliveries
        where deliveries.delivery_file = _source_file
            and deliveries.delivery_load_id = _load_id
    )
    {%- endif %}

),

cleaned as (

    select
        trim(source.event_id) as event_id,
        trim(source.lead_id) as lead_id,
        {{ event_type_name('source.event_type') }} as event_type,
        {{ to_utc_timestamp('source.occurred_at') }} as occurred_at,
        nullif(lower(trim(source.source_system)), '') as source_system,
        {{ json_object_or_null('source.properties') }} as properties,
        source.properties is not null and {{ json_object_or_null('source.properties') }} is null as has_malformed_properties,
        {{ to_utc_timestamp('coalesce(source.received_at, source.occurred_at)') }} as received_at,
        source.source_file,
        source.load_id
    from source
    where source.event_id is not null

),

-- The same event delivered twice keeps its first delivery: that is when we first knew of it.
-- (The project's loader keeps one row per event_id already.)
ranked as (

    select
        cleaned.*,
        {% if not has_deliveries -%}
        row_number() over (
            partition by event_id
            order by received_at, occurred_at
        ) as delivery_rank
        {%- else -%}
        1 as delivery_rank
        {%- endif %}
    from cleaned

),

mapping as (

    select
        nullif(lower(trim(source_system)), '') as source_system,
        {{ event_type_name('source_event') }} as source_event,
        nullif(trim(property_key), '') as property_key,
        lower(nullif(trim(property_operator), '')) as property_operator,
        lower(nullif(trim(property_value), '')) as property_value,
        lower(trim(event_type)) as event_type,
        nullif(trim(property_renames), '') as property_renames,
        nullif(trim(set_properties), '') as set_properties
    from {{ ref('event_type_mapping') }}

),

mapping_version as (

    {{ event_mapping_hash() }}

),

-- The events the mapping names, with each mapping row for their name and system. Properties
-- are parsed here for these events only (the condition may read them).
mapping_candidates as (

    select
        ranked.event_id,
        ranked.properties,
        {{ json_get_text('ranked.properties', "'page_url'") }} as page_url,
        {{ json_get_text('ranked.properties', "'content_type'") }} as content_type,
        {{ json_get_text('ranked.properties', "'newsletter'") }} as newsletter,
        {{ json_get_text('ranked.properties', "'form_id'") }} as form_id,
        mapping.source_system as mapping_source_system,
        mapping.property_key,
        mapping.property_operator,
        mapping.property_value,
        mapping.event_type as mapped_event_type,
        mapping.property_renames,
        mapping.set_properties
    from ranked
    inner join mapping
        on mapping.source_event = ranked.event_type
        and (mapping.source_system is null or mapping.source_system = ranked.source_system)
    where ranked.delivery_rank = 1

),

-- One mapping row per event: a row for the event's own system before one for any system, a row
-- with a property condition before the fallback without one (ties: by the condition's text).
mapped as (

    select
        event_id,
        mapped_event_type,
        {{ event_property_additions('properties', 'property_renames', 'set_properties') }} as added_properties,
        row_number() over (
            partition by event_id
            order by
                case when mapping_source_system is null then 1 else 0 end,
                case when property_key is null then 1 else 0 end,
                property_key, property_operator, property_value
        ) as mapping_rank
    from mapping_candidates
    where {{ event_matches_rule('mapping_candidates', 'mapping_candidates') }}

),

with_mapping as (

    select
        ranked.event_id,
        ranked.lead_id,
        coalesce(mapped.mapped_event_type, ranked.event_type) as event_type,
        ranked.event_type as source_event_type,
        ranked.occurred_at,
        ranked.received_at,
        ranked.source_system,
        case
            when coalesce(mapped.added_properties, '') = '' then ranked.properties
            -- an object without keys has no double quote: the added keys are all it holds
            when ranked.properties is null or {{ dbt.position("'\"'", 'ranked.properties') }} = 0
                then {{ dbt.concat(["'{'", "substr(mapped.added_properties, 2)", "'}'"]) }}
            else {{ dbt.concat(["'{'", "substr(mapped.added_properties, 2)", "','",
                "substr(ranked.properties, " ~ dbt.position("'{'", 'ranked.properties') ~ " + 1)"]) }}
        end as properties,
        ranked.has_malformed_properties,
        ranked.source_file,
        ranked.load_id,
        mapping_version.mapping_hash as event_mapping_hash
    from ranked
    cross join mapping_version
    left join mapped
        on mapped.event_id = ranked.event_id
        and mapped.mapping_rank = 1
    where ranked.delivery_rank = 1

),

final as (

    select
        event_id,
        lead_id,
        event_type,
        source_event_type,
        occurred_at,
        cast(occurred_at as date) as occurred_on,
        received_at,
        source_system,
        properties,
        has_malformed_properties,
        {{ property['page_url'] }} as page_url,
        {{ property['content_type'] }} as content_type,
        {{ property['newsletter'] }} as newsletter,
        {{ property['form_id'] }} as form_id,
        {{ property['owner'] }} as sales_owner,
        {{ property['reason'] }} as reason,
        cast({{ property['budget_confirmed'] }} as {{ dbt.type_boolean() }}) as budget_confirmed,
        cast({{ property['is_decision_maker'] }} as {{ dbt.type_boolean() }}) as is_decision_maker,
        -- What int_lead_scoring_scope sums to notice an event corrected in place: computed once
        -- per staged row, not from every event's content on every run.
        {{ dbt.length('event_type') }} + coalesce({{ dbt.length('properties') }}, 0) as content_length,
        source_file,
        load_id,
        event_mapping_hash,
        -- When this run staged the row: a daily run's data tests check these rows only
        -- (latest_staged_rows_condition).
        {{ run_staged_at() }} as staged_at
    from with_mapping

)

select * from final
