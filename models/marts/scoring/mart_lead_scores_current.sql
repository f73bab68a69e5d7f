-- Every lead's score today (var scoring_as_of_date) per scoring model, decayed to today, with its
-- MQL status and how far it is from qualifying: the points still missing to the threshold and the
-- required rules (gates) that do not hold, as fct_lead_score_explanations lists them. One row per
-- model and lead.
--
-- The engagement points are the sums of the lead's rows in fct_lead_score_explanations (its
-- engagement and remainder rows), so the score and its explanation cannot disagree; the test
-- assert_current_scores_match_as_of_scores checks both against the scores recomputed from the
-- whole rule history (macro lead_scores_as_of).
--
-- Restated by lead while the scoring day stays the same, whole on a new day (restated_by_lead_today).
{{ restated_by_lead_today() }}
{%- set restates_every_lead = restates_every_lead_today() %}
-- The explanations of the restated leads are built from these (explanations_restated_today).
-- depends_on: {{ ref('int_lead_current_rule_states') }}
-- depends_on: {{ ref('int_engagement_rules') }}
{%- set explained_engagement %}
        select
            explanations.model_id,
            explanations.lead_id,
            sum(explanations.points) as engagement_score,
            sum(explanations.points_for_mql) as mql_engagement_score,
            count(case when explanations.is_required_for_mql and explanations.holds_for_mql then 1 end) as required_engagement_rules_holding
        from explanations
        where explanations.rule_kind != 'fit'
        group by explanations.model_id, explanations.lead_id
{%- endset %}

with

-- Read once for the engagement sums and the blocking gates.
explanations as (

    {{ explanations_restated_today(restates_every_lead) }}

),

current_scores as (

    {{ lead_scores_as_of(scoring_as_of_date(), engagement=explained_engagement, lead_filter=lead_filter_restated_today(restates_every_lead)) }}

),

models as (

    select model_id, is_primary, mql_threshold from {{ ref('int_scoring_models') }}

),

episodes as (

    select episodes.*
    from {{ ref('fct_lead_mql_episodes') }} as episodes
    {{ leads_restated_today('episodes', restates_every_lead) }}

),

-- The gates that keep the lead from qualifying today, by rule id.
blocking_gates as (

    select
        explanations.model_id,
        explanations.lead_id,
        {{ dbt.listagg('explanations.rule_id', "', '", 'order by explanations.rule_id') }} as mql_blocked_by
    from explanations
    where explanations.is_blocking_mql
    group by explanations.model_id, explanations.lead_id

),

mql_status as (

    select
        model_id,
        lead_id,
        count(*) as mql_count,
        min(mql_at) as first_mql_at,
        max(mql_at) as latest_mql_at
    from episodes
    group by model_id, lead_id

),

final as (

    select
        current_scores.model_id,
        models.is_primary as is_primary_model,
        current_scores.lead_id,
        current_scores.as_of_date,
        current_scores.fit_score,
        current_scores.engagement_score,
        current_scores.total_score,
        current_scores.mql_score,
        current_scores.mql_engagement_after,
        models.mql_threshold,
        current_scores.required_rules_hold,
        current_scores.score_band,
        current_scores.fit_grade,
        current_scores.engagement_level,
        {{ dbt.concat(['current_scores.fit_grade', dbt.cast('current_scores.engagement_level', dbt.type_string())]) }} as score_matrix_cell,
        current_scores.is_mql_qualified,
        cast(coalesce(mql_status.mql_count, 0) as {{ dbt.type_int() }}) as mql_count,
        mql_status.first_mql_at,
        mql_status.latest_mql_at,
        case
            when current_scores.mql_score >= models.mql_threshold then 0.0
            else models.mql_threshold - current_scores.mql_score
        end as points_to_mql_threshold,
        blocking_gates.mql_blocked_by
    from current_scores
    inner join models on models.model_id = current_scores.model_id
    left join mql_status
        on mql_status.model_id = current_scores.model_id
        and mql_status.lead_id = current_scores.lead_id
    left join blocking_gates
        on blocking_gates.model_id = current_scores.model_id
        and blocking_gates.lead_id = current_scores.lead_id

)

select * from final
