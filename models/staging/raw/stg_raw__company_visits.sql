-- One row per page visit of an identified company (visitor-identification tools such as
-- Leadfeeder or Albacross): domain normalised like the leads' company domain, page reduced to its
-- lower-case path (as the page_url rules compare it), timestamps in UTC. A visit exported twice
-- (same tool, domain, page and time) counts once: the copy with the first visit_id.
--
-- The raw table is optional: a warehouse loaded by another tool without it stages no visits.
--
-- Incremental: with the project's loader a run stages only what the deliveries it has not staged
-- yet, or that left the raw table, can change (raw_deliveries_to_stage, compared by presence: a
-- delivery's duplicates are not staged). Copies of one visit share its visit time, so the run
-- restages every visit at the times those deliveries hold - from all the raw rows at those times,
-- whichever delivery they came in - and the post-hook delete_replaced_company_visits removes the
-- rows staged earlier at those times or from a delivery that left. The result is what a full
-- build gives, and a day's run normalises a day's visits. Raw tables of another tool are restaged
-- in full; on Spark (plain Parquet, no delete) the model is a table rebuilt on every run.
{{ config(
    materialized=incremental_where_supported(),
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    post_hook="{{ delete_replaced_company_visits() }}",
) }}
{%- set has_table = not execute or 'sources' not in graph or load_relation(source('raw', 'company_visits')) is not none %}
{%- set has_deliveries = has_table and raw_rows_have_deliveries('company_visits') %}
{%- set by_delivery = has_table and stages_by_delivery('company_visits') %}
{%- if by_delivery %}
    {%- set raw_visit_time_type = adapter.get_columns_in_relation(source('raw', 'company_visits'))
        | selectattr('name', 'equalto', 'visited_at') | map(attribute='data_type') | first %}
{%- endif %}

with

{% if by_delivery -%}
deliveries as (

    {{ raw_deliveries_to_stage('company_visits', compare_row_counts=false) }}

),

-- The visit times of the rows these deliveries add (raw) or take away (staged), in the raw
-- column's own type: every copy of a visit staged or shadowed there has one of them. Raw rows are
-- compared uncast (a time zone conversion of every raw row cost more than the run saves).
restaged_times as (

    select raw_visits.visited_at
    from {{ source('raw', 'company_visits') }} as raw_visits
    inner join deliveries
        on deliveries.delivery_file = raw_visits._source_file
        and deliveries.delivery_load_id = raw_visits._load_id

    union

    select cast(staged.visited_at as {{ raw_visit_time_type }}) as visited_at
    from {{ this }} as staged
    inner join deliveries
        on deliveries.delivery_file = staged.source_file
        and deliveries.delivery_load_id = staged.load_id

),

{% endif -%}
source as (

    {% if has_table -%}
    select
        {{ raw_source_columns('company_visits') }},
        {{ raw_delivery_columns(has_deliveries) }}
    from {{ source('raw', 'company_visits') }}
    {%- if by_delivery %}
    where visited_at in (select visited_at from restaged_times)
    {%- endif %}
    {%- else -%}
    select
        {%- for column in raw_contract_columns('company_visits') %}
        cast(null as {{ contract_type(column.type) }}) as {{ column.name }},
        {%- endfor %}
        {{ raw_delivery_columns(false) }}
    where 1 = 0
    {%- endif %}

),

cleaned as (

    select
        nullif(trim(visit_id), '') as visit_id,
        nullif(lower(trim(source_tool)), '') as source_tool,
        nullif(trim(company_name), '') as company_name,
        {{ normalize_domain('company_domain') }} as company_domain,
        {{ url_path('page_url') }} as page_url,
        {{ to_utc_timestamp('visited_at') }} as visited_at,
        source_file,
        load_id
    from source

),

ranked as (

    select
        cleaned.*,
        -- company_name too, so that which copy is kept never depends on the rows' order.
        row_number() over (
            partition by source_tool, company_domain, page_url, visited_at
            order by visit_id, company_name
        ) as copy_rank
    from cleaned

),

final as (

    select
        visit_id,
        source_tool,
        company_name,
        company_domain,
        page_url,
        visited_at,
        cast(visited_at as date) as visited_on,
        source_file,
        load_id,
        -- When this run staged the row: a daily run's data tests check these rows only
        -- (latest_staged_rows_condition), and the post-hook keeps them.
        {{ run_staged_at() }} as staged_at
    from ranked
    -- The first copy of each visit; a visit whose domain, page or time is missing once normalised
    -- is left out. One expression with the rank: conditions on the ranked columns alone would be
    -- pushed below the ranking into the raw table's scan, which would then normalise every raw
    -- row, not only those this run stages.
    where case when company_domain is null or page_url is null or visited_at is null then 0 else copy_rank end = 1

)

select * from final
