{#- The query of the model int_lead_score_changes (the model file documents it) for one batch of
    leads (in_batch): batch 0 is the model's own statement, the others are inserted after it by
    its post-hook (insert_batches). Every input reaches the result through a join to the lead's
    fit row, which only the batch's leads pass, and every figure is per lead, so the batches
    together equal one query over all leads. -#}
{% macro lead_score_changes_batch(batch, batches) -%}
{%- set day_before = "cast(" ~ dbt.dateadd('day', -1, 'running.score_date') ~ " as date)" %}

with

fit as (

    select fit.*
    from {{ ref('int_lead_fit_scores') }} as fit
    {{ leads_in_scoring_scope('fit') }}
    -- every other input is joined to the lead's fit row: this filter keeps the whole query to the batch
    where {{ in_batch('fit.lead_id', batch, batches) }}

),

rule_states as (

    select rule_states.*
    from {{ ref('int_lead_engagement_rule_states') }} as rule_states
    {{ leads_in_scoring_scope('rule_states') }}

),

rules as (

    select * from {{ ref('int_engagement_rules') }}

),

models as (

    select * from {{ ref('int_scoring_models') }}

),

scope as (

    select lead_id, scoring_fingerprint from {{ ref('int_lead_scoring_scope') }}

),

gates as (

    select * from {{ ref('int_scoring_model_gate_counts') }}

),

-- Rejections that reset the MQL engagement (recycle_policy reset_engagement), per day.
resets as (

    select resets.model_id, resets.lead_id, resets.reset_on, max(resets.reset_at) as reset_at
    from {{ ref('int_lead_engagement_resets') }} as resets
    {{ leads_in_scoring_scope('resets') }}
    group by resets.model_id, resets.lead_id, resets.reset_on

),

-- Every day a lead's score can change: its creation day, each later day one of its rules changes
-- state (earlier states count from the creation day) and each reset. Rules without decay bring the
-- change of their points and gates (int_lead_engagement_rule_states.points_delta,
-- required_holds_delta), so their total on any day is a running sum; only decaying rules need
-- their state on every day. Gates are judged on what counts for the MQL score.
changes as (

    select
        model_id,
        lead_id,
        created_on as score_date,
        0.0 as total_points_delta,
        0.0 as mql_points_delta,
        0 as required_holds_delta,
        cast(null as {{ dbt.type_timestamp() }}) as last_occurred_at,
        cast(null as {{ dbt.type_timestamp() }}) as reset_at
    from fit

    union all

    select
        rule_states.model_id,
        rule_states.lead_id,
        case when rule_states.state_date > fit.created_on then rule_states.state_date else fit.created_on end as score_date,
        case when rule_states.counts_for_total then coalesce(rule_states.points_delta, 0.0) else 0.0 end as total_points_delta,
        case when rule_states.counts_for_mql then coalesce(rule_states.points_delta, 0.0) else 0.0 end as mql_points_delta,
        case when rule_states.counts_for_mql then rule_states.required_holds_delta else 0 end as required_holds_delta,
        case when rule_states.state_date >= fit.created_on then rule_states.last_occurred_at end as last_occurred_at,
        cast(null as {{ dbt.type_timestamp() }}) as reset_at
    from rule_states
    inner join fit
        on fit.model_id = rule_states.model_id
        and fit.lead_id = rule_states.lead_id

    union all

    -- A reset changes the MQL score at the time of the rejection.
    select
        resets.model_id,
        resets.lead_id,
        case when resets.reset_on > fit.created_on then resets.reset_on else fit.created_on end as score_date,
        0.0 as total_points_delta,
        0.0 as mql_points_delta,
        0 as required_holds_delta,
        case when resets.reset_on >= fit.created_on then resets.reset_at end as last_occurred_at,
        resets.reset_at
    from resets
    inner join fit
        on fit.model_id = resets.model_id
        and fit.lead_id = resets.lead_id

),

score_dates as (

    select
        model_id,
        lead_id,
        score_date,
        sum(total_points_delta) as total_points_delta,
        sum(mql_points_delta) as mql_points_delta,
        sum(required_holds_delta) as required_holds_delta,
        max(last_occurred_at) as last_event_at,
        max(reset_at) as reset_at
    from changes
    group by model_id, lead_id, score_date

),

running as (

    select
        score_dates.*,
        sum(total_points_delta) over same_lead as undecayed_points,
        sum(mql_points_delta) over same_lead as mql_undecayed_points,
        sum(required_holds_delta) over same_lead as required_engagement_rules_holding,
        lead(score_date) over by_date as next_score_date,
        lag(score_date) over by_date as previous_score_date
    from score_dates
    window
        same_lead as (partition by model_id, lead_id order by score_date rows between unbounded preceding and current row),
        by_date as (partition by model_id, lead_id order by score_date)

),

-- Decaying rules: each one's latest state on or before each score date, decayed to that date,
-- and (for the MQL score) the state of the day before, decayed to that day: states that end on
-- the score date count only the day before, states that start on it only on the day. (A hash
-- join with a range filter; measured at 1M leads it cost less than carrying states over a date x
-- rule grid, and only the decaying rules' states take part.)
decaying_states as (

    -- points_delta is null exactly for decaying rules; a plain filter keeps the optimizer from
    -- joining every rule's states first.
    select * from rule_states
    where rule_states.points_delta is null

),

decaying_state_points as (

    select
        running.model_id,
        running.lead_id,
        running.score_date,
        states.counts_for_total,
        states.counts_for_mql,
        case when states.next_state_date is null or states.next_state_date > running.score_date then
            {{ rule_points_at('states', 'rules', 'running.score_date') }}
        end as points,
        case when states.state_date < running.score_date then
            {{ rule_points_at('states', 'rules', day_before) }}
        end as points_day_before
    from running
    inner join decaying_states as states
        on states.model_id = running.model_id
        and states.lead_id = running.lead_id
        and states.state_date <= running.score_date
        and (states.next_state_date is null or states.next_state_date >= running.score_date)
    inner join rules
        on rules.model_id = states.model_id
        and rules.rule_id = states.rule_id

),

decaying_points as (

    select
        model_id,
        lead_id,
        score_date,
        -- Weights instead of a condition around points, so that points is computed once.
        sum(points * case when counts_for_total then 1.0 else 0.0 end) as decaying_points,
        sum(points * case when counts_for_mql then 1.0 else 0.0 end) as mql_decaying_points,
        sum(points_day_before * case when counts_for_total then 1.0 else 0.0 end) as decaying_points_day_before,
        sum(points_day_before * case when counts_for_mql then 1.0 else 0.0 end) as mql_decaying_points_day_before
    from decaying_state_points
    group by model_id, lead_id, score_date

),

-- The latest reset up to each day: only events after it count toward the MQL score.
reset_spans as (

    select
        resets.*,
        lead(resets.reset_on) over (partition by resets.model_id, resets.lead_id order by resets.reset_on) as next_reset_on
    from resets

),

scored as (

    select
        running.model_id,
        running.lead_id,
        running.score_date,
        running.next_score_date,
        fit.created_at,
        fit.fit_score,
        running.undecayed_points + coalesce(decaying_points.decaying_points, 0.0) as engagement_score,
        fit.fit_score + (running.undecayed_points + coalesce(decaying_points.decaying_points, 0.0)) as total_score,
        fit.fit_score + (running.mql_undecayed_points + coalesce(decaying_points.mql_decaying_points, 0.0)) as mql_score,
        {{ required_rules_hold('fit.required_fit_rules_matched', 'running.required_engagement_rules_holding', 'gates') }} as required_rules_hold,
        -- The day before: the rules without decay as before today's changes, the decaying ones as
        -- they were that day. Nothing before the first row.
        case when running.previous_score_date is not null then
            fit.fit_score + (running.mql_undecayed_points - running.mql_points_delta
                             + coalesce(decaying_points.mql_decaying_points_day_before, 0.0))
        end as mql_score_day_before,
        case when running.previous_score_date is not null then
            fit.fit_score + (running.undecayed_points - running.total_points_delta
                             + coalesce(decaying_points.decaying_points_day_before, 0.0))
        end as total_score_day_before,
        -- The part of the total that does not decay until the next change (fit, and rules
        -- without a half-life): where a decaying score levels off (int_lead_score_band_spans).
        fit.fit_score + running.undecayed_points as undecaying_score,
        case when running.previous_score_date is not null then
            {{ required_rules_hold('fit.required_fit_rules_matched', 'running.required_engagement_rules_holding - running.required_holds_delta', 'gates') }}
        end as required_rules_held_day_before,
        -- What a reset leaves: the fit score, no engagement gate holding.
        {{ required_rules_hold('fit.required_fit_rules_matched', '0', 'gates') }} as fit_gates_hold,
        reset_spans.reset_at as mql_engagement_after,
        running.reset_at,
        running.last_event_at
    from running
    inner join fit
        on fit.model_id = running.model_id
        and fit.lead_id = running.lead_id
    left join decaying_points
        on decaying_points.model_id = running.model_id
        and decaying_points.lead_id = running.lead_id
        and decaying_points.score_date = running.score_date
    left join reset_spans
        on reset_spans.model_id = running.model_id
        and reset_spans.lead_id = running.lead_id
        and reset_spans.reset_on <= running.score_date
        and (reset_spans.next_reset_on is null or reset_spans.next_reset_on > running.score_date)
    inner join gates on gates.model_id = running.model_id

),

-- Where the lead stood just before each row's changes: the day before; on a reset day no higher
-- than what the reset leaves (the fit score, no engagement gate), so activity after a rejection on
-- its own day can re-qualify the lead, and a lead whose fit alone qualifies never crosses again.
before_changes as (

    select
        scored.*,
        case
            when scored.reset_at is not null and scored.fit_score < scored.mql_score_day_before then scored.fit_score
            else scored.mql_score_day_before
        end as mql_score_before,
        case
            when scored.reset_at is not null then scored.required_rules_held_day_before and scored.fit_gates_hold
            else scored.required_rules_held_day_before
        end as required_rules_held_before
    from scored

),

final as (

    select
        scored.model_id,
        scored.lead_id,
        scored.score_date,
        scored.next_score_date,
        scored.fit_score,
        scored.engagement_score,
        scored.total_score,
        scored.mql_score,
        scored.mql_engagement_after,
        scored.required_rules_hold,
        {{ score_classification('models', 'scored.fit_score', 'scored.engagement_score', 'scored.total_score', 'scored.mql_score', 'scored.required_rules_hold') }},
        scored.mql_score_before,
        scored.total_score_day_before,
        scored.undecaying_score,
        {{ mql_qualified('scored.mql_score', 'scored.required_rules_hold', 'models.mql_threshold') }}
            and not coalesce({{ mql_qualified('scored.mql_score_before', 'scored.required_rules_held_before', 'models.mql_threshold') }}, false)
            as is_mql_crossing,
        -- When the change happened: the last scored event (or reset) of the day, else the start of
        -- the day (a window expiry), never before the lead existed.
        case
            when scored.last_event_at is not null and scored.last_event_at > scored.created_at then scored.last_event_at
            when cast(scored.score_date as {{ dbt.type_timestamp() }}) > scored.created_at then cast(scored.score_date as {{ dbt.type_timestamp() }})
            else scored.created_at
        end as changed_at,
        scope.scoring_fingerprint
    from before_changes as scored
    inner join models on models.model_id = scored.model_id
    inner join scope on scope.lead_id = scored.lead_id

)

select * from final

{%- endmacro %}
