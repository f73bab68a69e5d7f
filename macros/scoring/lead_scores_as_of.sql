{#- Scores as of any day D, using only what happened on or before D (point in time):
      lead_rule_points_as_of(D)  one row per (model, lead, engagement rule) with state on D
      lead_scores_as_of(D)       one row per (model, lead) created on or before D
    D is a SQL date expression, e.g. "cast('2026-03-31' as date)". Example (dbt analysis or model):
      select * from ({{ lead_scores_as_of("cast('2026-03-31' as date)") }}) as scores
    The result on a day that appears in fct_lead_scores equals that row; between rows it adds the
    decay of the days in between.
    Under recycle_policy reset_engagement a lead with a sales rejection has two states per rule:
    one over all its events (counts_for_total) and one over the events after its latest rejection
    (counts_for_mql); every other lead has one state that counts for both.
    `engagement`: a select of each (model, lead)'s engagement_score, mql_engagement_score and
    required_engagement_rules_holding on D, where they are already known (mart_lead_scores_current
    sums its explanation rows); by default they are summed from every rule's state on D.
    `lead_filter`: a condition on the column lead_id that keeps the leads to score (the leads
    mart_lead_scores_current restates, the leads a daily data test checks), applied to the fit
    scores and the rule states (the few engagement resets are read whole); by default every
    lead. -#}
{% macro lead_scores_as_of(as_of_date, engagement=none, lead_filter=none) -%}
    with

    fit as (
        select fit_scores.*
        from {{ ref('int_lead_fit_scores') }} as fit_scores
        where fit_scores.created_on <= {{ as_of_date }}
        {%- if lead_filter %}
          and {{ lead_filter }}
        {%- endif %}
    ),

    gates as (
        select * from {{ ref('int_scoring_model_gate_counts') }}
    ),

    {% if engagement is none -%}
    rule_points as (
        {{ lead_rule_points_as_of(as_of_date, lead_filter) }}
    ),

    engagement as (
        select
            model_id,
            lead_id,
            sum(case when counts_for_total then rule_points end) as engagement_score,
            sum(case when counts_for_mql then rule_points end) as mql_engagement_score,
            count(case when counts_for_mql and is_required_for_mql and rule_holds then 1 end) as required_engagement_rules_holding
        from rule_points
        group by model_id, lead_id
    ),
    {%- else -%}
    engagement as (
        {{ engagement }}
    ),
    {%- endif %}

    resets as (
        {{ latest_engagement_resets(as_of_date) }}
    ),

    scored as (
        select
            fit.model_id,
            fit.lead_id,
            {{ as_of_date }} as as_of_date,
            fit.fit_score,
            coalesce(engagement.engagement_score, 0.0) as engagement_score,
            fit.fit_score + coalesce(engagement.engagement_score, 0.0) as total_score,
            fit.fit_score + coalesce(engagement.mql_engagement_score, 0.0) as mql_score,
            resets.mql_engagement_after,
            {{ required_rules_hold('fit.required_fit_rules_matched', 'engagement.required_engagement_rules_holding', 'gates') }} as required_rules_hold
        from fit
        left join engagement
            on engagement.model_id = fit.model_id
            and engagement.lead_id = fit.lead_id
        left join resets
            on resets.model_id = fit.model_id
            and resets.lead_id = fit.lead_id
        inner join gates on gates.model_id = fit.model_id
    )

    select
        scored.*,
        {{ score_classification('models', 'scored.fit_score', 'scored.engagement_score', 'scored.total_score', 'scored.mql_score', 'scored.required_rules_hold') }}
    from scored
    inner join {{ ref('int_scoring_models') }} as models
        on models.model_id = scored.model_id
{%- endmacro %}
