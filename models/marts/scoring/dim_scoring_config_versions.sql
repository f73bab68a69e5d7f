-- The scoring configuration versions, one row per period a version was live (a version live
-- again after another one has a row per period), with when it was first recorded and the git
-- commit of the run that recorded the period. "Which rules produced this MQL": the version whose
-- period holds the MQL's time (docs/scoring-rules.md#rule-history). Read from the history tables,
-- so a full refresh rebuilds it with every version kept.

with

history as (

    select * from {{ ref('int_scoring_config_history') }}

),

first_recorded as (

    select scoring_config_version, min(live_from) as first_recorded_at
    from history
    group by scoring_config_version

),

final as (

    select
        history.live_period,
        history.scoring_config_version,
        history.config_hash,
        history.config_rows,
        history.config_commit,
        first_recorded.first_recorded_at,
        history.live_from,
        lead(history.live_from) over (order by history.live_period) as live_until,
        history.live_period = max(history.live_period) over () as is_current
    from history
    inner join first_recorded
        on first_recorded.scoring_config_version = history.scoring_config_version

)

select * from final
