-- One row per opportunity: typed, stage and currency normalised, outcome flags made explicit.

with

source as (

    select {{ raw_source_columns('opportunities') }}
    from {{ lead_source_relation('opportunities') }}

),

cleaned as (

    select
        trim(opportunity_id) as opportunity_id,
        trim(lead_id) as lead_id,
        nullif(trim(account), '') as account_name,
        {{ to_utc_timestamp('created_at') }} as created_at,
        replace(lower(trim(stage)), ' ', '_') as stage,
        amount,
        nullif(upper(trim(currency)), '') as currency,
        {{ to_utc_timestamp('closed_at') }} as closed_at,
        is_won
    from source
    where opportunity_id is not null

),

-- A repeated opportunity keeps its latest state (closed beats open, later close beats earlier).
ranked as (

    select
        cleaned.*,
        row_number() over (
            partition by opportunity_id
            order by case when closed_at is null then 1 else 0 end, closed_at desc, created_at desc
        ) as version_rank
    from cleaned

),

final as (

    select
        opportunity_id,
        lead_id,
        account_name,
        created_at,
        stage,
        amount,
        currency,
        closed_at,
        stage in ('closed_won', 'closed_lost') as is_closed,
        coalesce(is_won, stage = 'closed_won') as is_won
    from ranked
    where version_rank = 1

)

select * from final
