-- At offset 0 the threshold sweep's point-in-time MQLs are the real first MQL episodes: the same
-- leads at the same time (fct_lead_mql_episodes, episode 1), for every lead (the crossings are
-- kept for all; the sweep counts the feedback scope's). And the MQL volume never rises with the
-- threshold. Returns every difference.
{{ config(meta={'dagster': {'ref': {'name': 'mart_feedback_threshold_sweep'}}}) }}

with

crossings as (

    select model_id, lead_id, crossed_at
    from {{ ref('int_lead_threshold_crossings') }}
    where offset_points = 0

),

first_episodes as (

    select episodes.model_id, episodes.lead_id, episodes.mql_at
    from {{ ref('fct_lead_mql_episodes') }} as episodes
    where episodes.mql_episode = 1

),

sweep as (

    select
        model_id,
        threshold,
        mql_leads,
        lag(mql_leads) over (partition by model_id order by threshold) as lower_threshold_mql_leads
    from {{ ref('mart_feedback_threshold_sweep') }}

),

final as (

    select
        'episode' as checked,
        coalesce(crossings.model_id, first_episodes.model_id) as model_id,
        coalesce(crossings.lead_id, first_episodes.lead_id) as lead_id
    from crossings
    full outer join first_episodes
        on first_episodes.model_id = crossings.model_id
        and first_episodes.lead_id = crossings.lead_id
    where crossings.lead_id is null
       or first_episodes.lead_id is null
       or crossings.crossed_at <> first_episodes.mql_at

    union all

    select 'volume' as checked, model_id, cast(threshold as {{ dbt.type_string() }}) as lead_id
    from sweep
    where mql_leads > lower_threshold_mql_leads

)

select * from final
