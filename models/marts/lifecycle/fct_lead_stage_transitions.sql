-- Lead lifecycle history: one row per stage change of a lead under each scoring model (MQL
-- timing differs per model; sales and opportunity facts are shared). The first row of every lead
-- is its creation (from_stage empty, to_stage lead). Each row is also a stint in to_stage that
-- lasts until the next row (exited_at), or until the end of the scoring day for the current one.

{%- set as_of_end = dbt.dateadd('day', 1, dbt.cast(scoring_as_of_date(), dbt.type_timestamp())) %}

with

signals as (

    select * from {{ ref('int_lead_stage_signals_evaluated') }}
    where is_applied

),

stints as (

    select
        signals.*,
        lead(signal_at) over (
            partition by model_id, lead_id
            order by transition_number
        ) as exited_at
    from signals

),

final as (

    select
        model_id,
        is_primary_model,
        lead_id,
        transition_number,
        from_stage,
        to_stage,
        signal_at as transitioned_at,
        is_skip,
        skipped_stages,
        skipped_stage_count,
        source_event_type,
        source_id,
        mql_episode,
        reason,
        sales_owner,
        exited_at,
        exited_at is null as is_current_stage,
        {{ dbt.datediff('signal_at', 'coalesce(exited_at, ' ~ as_of_end ~ ')', 'second') }} / 86400.0 as days_in_stage
    from stints

)

select * from final
