-- One row per page visit of an identified company (visitor-identification tools such as
-- Leadfeeder or Albacross): domain normalised like the leads' company domain, page reduced to its
-- lower-case path (as the page_url rules compare it), timestamps in UTC. A visit exported twice
-- (same tool, domain, page and time) counts once.
--
-- The raw table is optional: a warehouse loaded by another tool without it stages no visits.
--
-- A table, not a view: int_account_visits and this model's tests each read it, and normalising
-- every visit's domain and page on each read cost three times what building the table does (at
-- 2M visits: 8.4 CPU s a run as a view read three times, 4.7 as a table).
{{ config(materialized='table') }}
{%- set has_table = not execute or 'sources' not in graph or load_relation(source('raw', 'company_visits')) is not none %}

with

source as (

    {% if has_table -%}
    select {{ raw_source_columns('company_visits') }}
    from {{ source('raw', 'company_visits') }}
    {%- else -%}
    select
        {%- for column in raw_contract_columns('company_visits') %}
        cast(null as {{ contract_type(column.type) }}) as {{ column.name }}{{ "," if not loop.last }}
        {%- endfor %}
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
        {{ to_utc_timestamp('visited_at') }} as visited_at
    from source

),

ranked as (

    select
        cleaned.*,
        row_number() over (
            partition by source_tool, company_domain, page_url, visited_at
            order by visit_id
        ) as copy_rank
    from cleaned
    where company_domain is not null and page_url is not null and visited_at is not null

),

final as (

    select
        visit_id,
        source_tool,
        company_name,
        company_domain,
        page_url,
        visited_at,
        cast(visited_at as date) as visited_on
    from ranked
    where copy_rank = 1

)

select * from final
