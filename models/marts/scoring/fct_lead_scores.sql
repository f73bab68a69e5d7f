-- Score history: one row per scoring model, lead and day on which the lead's score changed, up
-- to today (var scoring_as_of_date). Between two rows only decay acts; macro lead_scores_as_of
-- gives the exact score on any day. mql_score is what the MQL threshold is compared with (the
-- total unless recycle_policy reset_engagement excludes engagement before a rejection), and
-- is_mql_crossing marks the days the lead became MQL-qualified having not been the day before.

-- A view: the rows are stored once, in int_lead_score_changes (built incrementally); a copy would cost a
-- full rewrite on every run.
{{ config(materialized=view_where_supported()) }}

with

score_changes as (

    select * from {{ ref('int_lead_score_changes') }}

),

models as (

    select model_id, is_primary from {{ ref('int_scoring_models') }}

),

final as (

    select
        score_changes.model_id,
        models.is_primary as is_primary_model,
        score_changes.lead_id,
        score_changes.score_date,
        case
            when score_changes.next_score_date <= {{ scoring_as_of_date() }} then score_changes.next_score_date
        end as next_score_date,
        score_changes.changed_at,
        score_changes.fit_score,
        score_changes.engagement_score,
        score_changes.total_score,
        score_changes.mql_score,
        score_changes.mql_engagement_after,
        score_changes.required_rules_hold,
        score_changes.score_band,
        score_changes.fit_grade,
        score_changes.engagement_level,
        {{ dbt.concat(['score_changes.fit_grade', dbt.cast('score_changes.engagement_level', dbt.type_string())]) }} as score_matrix_cell,
        score_changes.is_mql_qualified,
        score_changes.mql_score_before,
        score_changes.is_mql_crossing
    from score_changes
    inner join models on models.model_id = score_changes.model_id
    where score_changes.score_date <= {{ scoring_as_of_date() }}

)

select * from final
