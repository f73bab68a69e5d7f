-- Lead lifecycle history: one row per stage change of a lead under each scoring model (MQL
-- timing differs per model; sales and opportunity facts are shared). The first row of every lead
-- is its creation (from_stage empty, to_stage lead). Each row is also a stint in to_stage that
-- lasts until the next row (exited_at), or until the end of the scoring day for the current one.
--
-- A view over the moves of int_lead_stage_signals_evaluated, which is restated by lead: only
-- days_in_stage changes because a day passed, and it is computed on read (days_in_stage macro).
{{ config(materialized=view_where_supported()) }}

with

moves as (

    select * from {{ ref('int_lead_stage_signals_evaluated') }}
    where is_applied

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
        {{ days_in_stage('signal_at', 'exited_at') }} as days_in_stage
    from moves

)

select * from final
