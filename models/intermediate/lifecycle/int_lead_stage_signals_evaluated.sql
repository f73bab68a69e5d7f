-- The lifecycle state machine, per scoring model and lead: every signal in time order, whether it
-- moved the lead (is_applied), why not (ignored_reason) and, when it did, from which stage.
--
-- Rules (the seed lifecycle_stages gives each stage a path_level on the main path):
--   * customer and disqualified are terminal: the first of them applies, everything after is ignored.
--   * a main-path signal (mql, sal, sql, opportunity) applies when its level is above the lead's
--     level in the current stint; a lower or equal one is ignored (e.g. a late MQL while sales
--     already works the lead). Jumping more than one level is a skip (strict policy: the skipped
--     stages get no entry time).
--   * recycled (sales_rejected) applies unless the lead is already recycled or has an open
--     opportunity; it restarts the stint at level 1, so the next MQL re-enters mql.
--   * closed_lost applies while the lead is in opportunity; it restarts the stint at level 4, so
--     a new opportunity reopens the lead.
-- Each rule depends only on facts, never on an earlier decision of the same kind, so window
-- functions suffice (no recursion, which not every engine supports).
--
-- Incremental by lead: a run recomputes the leads int_lead_lifecycle_scope restates.
{{ restated_by_lead('int_lead_lifecycle_scope') }}

with

signals as (

    select signals.*
    from {{ ref('int_lead_stage_signals_unioned') }} as signals
    {{ leads_in_scoring_scope('signals', 'int_lead_lifecycle_scope') }}

),

stages as (

    select stage, stage_order, is_main_path, path_level, is_terminal
    from {{ ref('lifecycle_stages') }}

),

sequenced as (

    select
        signals.*,
        stages.is_main_path,
        stages.path_level,
        stages.is_terminal,
        row_number() over (
            partition by signals.model_id, signals.lead_id
            order by signals.signal_at, signals.signal_priority, signals.source_id
        ) as signal_number
    from signals
    inner join stages on stages.stage = signals.to_stage

),

-- Facts about the signals before each one.
context as (

    select
        sequenced.*,
        min(case when is_terminal then signal_number end) over (
            partition by model_id, lead_id
        ) as first_terminal_number,
        lag(to_stage) over (
            partition by model_id, lead_id
            order by signal_number
        ) as previous_signal_stage,
        max(case when to_stage = 'opportunity' then signal_number end) over (
            partition by model_id, lead_id
            order by signal_number
            rows between unbounded preceding and 1 preceding
        ) as last_opportunity_number,
        max(case when to_stage = 'closed_lost' then signal_number end) over (
            partition by model_id, lead_id
            order by signal_number
            rows between unbounded preceding and 1 preceding
        ) as last_closed_lost_number
    from sequenced

),

-- The lead is in opportunity from an opportunity signal until a closed_lost signal; a rejection
-- in between is ignored, so no other signal can take it out (terminal ones aside).
-- A repeated rejection (the previous signal is one too) finds the lead already recycled or
-- in opportunity: ignored either way.
detours as (

    select
        context.*,
        coalesce(signal_number > first_terminal_number, false) as is_after_terminal,
        (
            last_opportunity_number is not null
            and coalesce(last_closed_lost_number < last_opportunity_number, true)
        ) as has_open_opportunity
    from context

),

resets as (

    select
        detours.*,
        case
            when is_after_terminal then false
            when to_stage = 'lead' then true
            when to_stage = 'recycled' then coalesce(previous_signal_stage <> 'recycled', true) and not has_open_opportunity
            when to_stage = 'closed_lost' then has_open_opportunity
            else false
        end as is_reset
    from detours

),

stints as (

    select
        resets.*,
        sum(case when is_reset then 1 else 0 end) over (
            partition by model_id, lead_id
            order by signal_number
            rows between unbounded preceding and current row
        ) as stint_number
    from resets

),

-- Where the lead stands before each signal: the stint's starting level (1 for a new or recycled
-- lead, 4 after closed_lost) raised by every main-path signal so far in the stint. Ignored
-- signals never lie above that level, so taking all of them is the same as taking the applied.
levels as (

    select
        stints.*,
        max(case when is_reset then path_level end) over (
            partition by model_id, lead_id, stint_number
        ) as stint_start_level,
        max(case when is_main_path and not is_reset then path_level end) over (
            partition by model_id, lead_id, stint_number
            order by signal_number
            rows between unbounded preceding and 1 preceding
        ) as stint_level_before
    from stints

),

decided as (

    select
        levels.*,
        case
            when is_after_terminal then false
            when is_reset then true
            when is_terminal then true
            when is_main_path then path_level > coalesce(stint_level_before, stint_start_level)
                                 and path_level > stint_start_level
            else false
        end as is_applied
    from levels

),

moves as (

    select
        model_id,
        lead_id,
        signal_number,
        path_level,
        is_main_path,
        row_number() over (partition by model_id, lead_id order by signal_number) as transition_number,
        lag(to_stage) over (partition by model_id, lead_id order by signal_number) as from_stage,
        lag(path_level) over (partition by model_id, lead_id order by signal_number) as from_path_level,
        -- the stint in to_stage lasts until the next move
        lead(signal_at) over (partition by model_id, lead_id order by signal_number) as exited_at
    from decided
    where is_applied

),

-- The main-path stages a move jumps over (strict policy: they get no entry).
skipped as (

    select
        moves.model_id,
        moves.lead_id,
        moves.signal_number,
        count(*) as skipped_stage_count,
        {{ dbt.listagg('stages.stage', "','", 'order by stages.stage_order') }} as skipped_stages
    from moves
    inner join stages
        on stages.is_main_path
        and stages.stage_order > moves.from_path_level
        and stages.stage_order < moves.path_level
    where moves.is_main_path
    group by moves.model_id, moves.lead_id, moves.signal_number

),

final as (

    select
        decided.model_id,
        decided.is_primary_model,
        decided.lead_id,
        decided.lead_created_at,
        decided.signal_number,
        decided.signal_at,
        decided.to_stage,
        decided.source_event_type,
        decided.source_id,
        decided.mql_episode,
        decided.reason,
        decided.sales_owner,
        decided.is_applied,
        case
            when decided.is_applied then null
            when decided.is_after_terminal then 'after_terminal_stage'
            when decided.to_stage = 'recycled' and decided.previous_signal_stage = 'recycled' then 'already_recycled'
            when decided.to_stage = 'recycled' then 'open_opportunity'
            when decided.to_stage = 'closed_lost' then 'not_in_opportunity'
            else 'stage_already_reached'
        end as ignored_reason,
        moves.transition_number,
        moves.from_stage,
        case when decided.is_applied then skipped.signal_number is not null end as is_skip,
        skipped.skipped_stages,
        case when decided.is_applied then coalesce(skipped.skipped_stage_count, 0) end as skipped_stage_count,
        moves.exited_at
    from decided
    left join moves
        on moves.model_id = decided.model_id
        and moves.lead_id = decided.lead_id
        and moves.signal_number = decided.signal_number
    left join skipped
        on skipped.model_id = decided.model_id
        and skipped.lead_id = decided.lead_id
        and skipped.signal_number = decided.signal_number

)

select * from final
