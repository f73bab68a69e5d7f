-- MQL episodes per scoring model and lead. A lead becomes an MQL the first time its MQL score
-- reaches the model's threshold while all required rules hold. After sales rejects it (recycled),
-- the next upward crossing starts a new episode; crossings without a rejection in between (a score
-- that dipped and recovered while sales works the lead) do not. Disqualified leads never
-- re-qualify. Crossings are judged on the score as it is on every day, decay included
-- (fct_lead_scores.is_mql_crossing); under recycle_policy reset_engagement the rejection also
-- restarts the engagement that counts toward the MQL score.
--
-- Incremental by lead: a run recomputes the leads int_lead_lifecycle_scope restates. Every row
-- carries the scoring configuration version that computed it; an edited seed restates every lead,
-- so all rows carry the live version (the lifecycle snapshot and dim_scoring_config_versions keep
-- what earlier versions produced).
{{ restated_by_lead('int_lead_lifecycle_scope') }}

with

config as (

    select scoring_config_version from {{ ref('int_scoring_config_fingerprint') }}

),

scores as (

    select scores.*
    from {{ ref('fct_lead_scores') }} as scores
    {{ leads_in_scoring_scope('scores', 'int_lead_lifecycle_scope') }}

),

events as (

    select events.*
    from {{ ref('stg_raw__events') }} as events
    {{ leads_in_scoring_scope('events', 'int_lead_lifecycle_scope') }}

),

recycles as (

    select lead_id, occurred_at as recycled_at
    from events
    where event_type = 'sales_rejected'

),

disqualifications as (

    select lead_id, min(occurred_on) as disqualified_on
    from events
    where event_type = 'disqualified'
    group by lead_id

),

crossings as (

    select model_id, is_primary_model, lead_id, score_date, changed_at, mql_score
    from scores
    where is_mql_crossing

),

-- Rejections before the crossing: crossings that share this count belong to the same stint with
-- sales, and only the first of them opens an episode. Compared by time, as the lifecycle orders
-- them, so activity after a rejection on the rejection's own day counts after it.
crossings_with_recycles as (

    select
        crossings.model_id,
        crossings.is_primary_model,
        crossings.lead_id,
        crossings.score_date,
        crossings.changed_at,
        crossings.mql_score,
        count(recycles.lead_id) as recycles_before
    from crossings
    left join recycles
        on recycles.lead_id = crossings.lead_id
        and recycles.recycled_at < crossings.changed_at
    group by
        crossings.model_id,
        crossings.is_primary_model,
        crossings.lead_id,
        crossings.score_date,
        crossings.changed_at,
        crossings.mql_score

),

episode_starts as (

    select
        crossings_with_recycles.*,
        row_number() over (
            partition by crossings_with_recycles.model_id, crossings_with_recycles.lead_id, crossings_with_recycles.recycles_before
            order by crossings_with_recycles.score_date
        ) as crossing_in_stint
    from crossings_with_recycles
    left join disqualifications
        on disqualifications.lead_id = crossings_with_recycles.lead_id
    where disqualifications.disqualified_on is null
       or crossings_with_recycles.score_date < disqualifications.disqualified_on

),

final as (

    select
        episode_starts.model_id,
        episode_starts.is_primary_model,
        episode_starts.lead_id,
        cast(row_number() over (
            partition by episode_starts.model_id, episode_starts.lead_id order by episode_starts.score_date
        ) as {{ dbt.type_int() }}) as mql_episode,
        episode_starts.score_date as mql_date,
        episode_starts.changed_at as mql_at,
        episode_starts.mql_score as score_at_mql,
        cast(episode_starts.recycles_before as {{ dbt.type_int() }}) as recycles_before,
        config.scoring_config_version
    from episode_starts
    cross join config
    where episode_starts.crossing_in_stint = 1

)

select * from final
