-- A lead's CRM-facing state per scoring model, for a reverse-ETL tool or a CRM import: the score
-- as a whole number, band, fit grade, engagement level, MQL qualification, lifecycle stage and
-- the top three reasons for today's score (the same explanation rows the score adds up from).
-- sync_hash changes exactly when one of those fields does, so a sync can send only the leads
-- whose hash differs from the one it last sent; state_changed_on is the latest day the band or
-- the stage changed (the score itself decays a little every day).
-- Personal data (email, names) stays in staging: the CRM matches on lead_id.
-- Restated by lead while the scoring day stays the same, whole on a new day (restated_by_lead_today).
{{ restated_by_lead_today() }}
{%- set restates_every_lead = restates_every_lead_today() %}
-- The explanations of the restated leads are built from these (explanations_restated_today).
-- depends_on: {{ ref('int_lead_current_rule_states') }}
-- depends_on: {{ ref('int_engagement_rules') }}

with

scores as (

    select scores.*
    from {{ ref('mart_lead_scores_current') }} as scores
    {{ leads_restated_today('scores', restates_every_lead) }}

),

explanations as (

    select explanations.model_id, explanations.lead_id, explanations.description, explanations.points
    from ({{ explanations_restated_today(restates_every_lead) }}) as explanations
    where explanations.rule_kind != 'remainder' and explanations.points >= 0.01

),

ranked_reasons as (

    select
        explanations.*,
        row_number() over (partition by explanations.model_id, explanations.lead_id order by explanations.points desc, explanations.description asc) as reason_rank
    from explanations

),

-- The three reasons as one text (top_reasons_text).
reasons as (

    select
        ranked_reasons.model_id,
        ranked_reasons.lead_id,
        {{ top_reasons_text('ranked_reasons') }} as top_reasons
    from ranked_reasons
    where ranked_reasons.reason_rank <= 3
    group by ranked_reasons.model_id, ranked_reasons.lead_id

),

current_stints as (

    select signals.model_id, signals.lead_id, signals.to_stage as lifecycle_stage, cast(signals.signal_at as date) as stage_entered_on
    from {{ ref('int_lead_stage_signals_evaluated') }} as signals
    {{ leads_restated_today('signals', restates_every_lead) }}
    where signals.is_applied and signals.exited_at is null

),

band_changes as (

    select spans.model_id, spans.lead_id, max(spans.valid_from_date) as band_changed_on
    from {{ ref('int_lead_score_band_spans') }} as spans
    {{ leads_restated_today('spans', restates_every_lead) }}
    where spans.valid_from_date <= {{ scoring_as_of_date() }}
    group by spans.model_id, spans.lead_id

),

synced as (

    select
        scores.model_id,
        scores.is_primary_model,
        scores.lead_id,
        cast({{ round_number('scores.total_score') }} as {{ dbt.type_int() }}) as score,
        scores.score_band,
        scores.fit_grade,
        scores.engagement_level,
        scores.is_mql_qualified,
        current_stints.lifecycle_stage,
        reasons.top_reasons,
        scores.as_of_date,
        case
            when band_changes.band_changed_on is null or current_stints.stage_entered_on > band_changes.band_changed_on
                then current_stints.stage_entered_on
            else band_changes.band_changed_on
        end as state_changed_on
    from scores
    left join reasons
        on reasons.model_id = scores.model_id
        and reasons.lead_id = scores.lead_id
    left join current_stints
        on current_stints.model_id = scores.model_id
        and current_stints.lead_id = scores.lead_id
    left join band_changes
        on band_changes.model_id = scores.model_id
        and band_changes.lead_id = scores.lead_id

),

final as (

    select
        synced.*,
        {{ dbt.hash(dbt.concat([
            "cast(synced.score as " ~ dbt.type_string() ~ ")", "'|'",
            "synced.score_band", "'|'",
            "synced.fit_grade", "'|'",
            "cast(synced.engagement_level as " ~ dbt.type_string() ~ ")", "'|'",
            "case when synced.is_mql_qualified then 'mql' else '' end", "'|'",
            "coalesce(synced.lifecycle_stage, '')", "'|'",
            "coalesce(synced.top_reasons, '')",
        ])) }} as sync_hash
    from synced

)

select * from final
