-- Each lead's score band over time, per scoring model: one row per span of time in one band,
-- from the lead's creation on (valid_to null: still in that band, as far as the known events
-- reach). A band changes on the days the score changes (int_lead_score_changes) and, between two
-- of them, on the day a decaying score falls below the MQL threshold or the nurture minimum.
-- Between two changes the score only decays (a penalty does not decay, gates change only on
-- change days), so a span crosses a bound exactly when it starts at or above it and ends below
-- it - the next change's total_score_day_before, or for the latest span the level the score
-- decays to (undecaying_score) - and the first day below it is found by bisection over the
-- span's days: twelve halvings cover 4096 days, the longest span looked at (a score that has not
-- fallen below a bound after 11 years is taken as never falling below it). Only the decaying
-- rules' states of the crossing spans take part. Activations (int_lead_activation_edges) read
-- these spans, so a lead leaves nurture on the day its score decays below 30, not on its next
-- event.
--
-- Restated by lead with the lifecycle chain (int_lead_lifecycle_scope, which flags every lead whose
-- scores changed): its fingerprints are stored after this model, so a run that stops before it
-- restates the same leads again (the scoring models' fingerprints are stored with the scores,
-- before it). Spans after the scoring day are already scheduled, like int_lead_score_changes'
-- window expiries, and readers cut them.
{%- set longest_span_days = 4096 %}
{%- set bisection_steps = 12 %}
{{ restated_by_lead('int_lead_lifecycle_scope') }}

with

changes as (

    select changes.*
    from {{ ref('int_lead_score_changes') }} as changes
    {{ leads_in_scoring_scope('changes', 'int_lead_lifecycle_scope') }}

),

rules as (

    select * from {{ ref('int_engagement_rules') }}

),

-- The decaying rules' states (half_life_days set: only rules with positive points may decay).
decaying_states as (

    select rule_states.*
    from {{ ref('int_lead_engagement_rule_states') }} as rule_states
    {{ leads_in_scoring_scope('rule_states', 'int_lead_lifecycle_scope') }}
    inner join rules
        on rules.model_id = rule_states.model_id
        and rules.rule_id = rule_states.rule_id
    where rule_states.counts_for_total
      and rules.half_life_days is not null

),

models as (

    select * from {{ ref('int_scoring_models') }}

),

-- The bounds a span can fall below: the MQL threshold and the nurture minimum (score_classification).
bounds as (

    select model_id, mql_threshold as bound from models
    union all
    select model_id, nurture_min_score as bound from models

),

spans_with_end as (

    select
        changes.*,
        lead(changes.total_score_day_before) over by_date as total_score_at_end,
        lag(changes.score_band) over by_date as previous_band,
        lag(changes.total_score) over by_date as previous_total_score
    from changes
    window by_date as (partition by changes.model_id, changes.lead_id order by changes.score_date)

),

-- Spans that start at or above a bound and end below it, with their last day (for the latest
-- span, the last day looked at).
crossing_spans as (

    select
        spans.model_id,
        spans.lead_id,
        spans.score_date,
        bounds.bound,
        spans.undecaying_score,
        spans.fit_grade,
        spans.total_score,
        case
            when spans.next_score_date is null then {{ longest_span_days - 1 }}
            else {{ dbt.datediff('spans.score_date', 'spans.next_score_date', 'day') }} - 1
        end as last_offset
    from spans_with_end as spans
    inner join bounds on bounds.model_id = spans.model_id
    where spans.total_score >= bounds.bound
      and coalesce(spans.total_score_at_end, spans.undecaying_score) < bounds.bound

),

-- The decaying rule states that hold during each crossing span (the states on its first day),
-- with their age on that day.
candidate_states as (

    select
        crossing_spans.model_id,
        crossing_spans.lead_id,
        crossing_spans.score_date,
        crossing_spans.bound,
        decaying_states.occurrences_in_window,
        decaying_states.weighted_occurrences,
        {{ dbt.datediff('decaying_states.state_date', 'crossing_spans.score_date', 'day') }} as age_at_start,
        rules.points,
        rules.min_count,
        rules.max_points,
        rules.max_per_day,
        rules.half_life_days
    from crossing_spans
    inner join decaying_states
        on decaying_states.model_id = crossing_spans.model_id
        and decaying_states.lead_id = crossing_spans.lead_id
        and decaying_states.state_date <= crossing_spans.score_date
        and (decaying_states.next_state_date is null or decaying_states.next_state_date > crossing_spans.score_date)
    inner join rules
        on rules.model_id = decaying_states.model_id
        and rules.rule_id = decaying_states.rule_id

),

-- Where the bisection starts. Each decaying rule gives min(u x 0.5^(t / h), max_points) on day t
-- of the span (u: its uncapped points on the first day, h: its half-life), so with need = bound -
-- undecaying_score the decaying part, d on the first day, is at least d x 0.5^(t / h_min) - still
-- enough on every day up to h_min x log2(d / need) - and at most sum(u) x 0.5^(t / h_max) - too
-- little from h_max x log2(sum(u) / need) on. A day of margin on each side keeps rounding out;
-- one decaying rule leaves a bracket of three days.
step_0 as (

    select
        crossing_spans.model_id,
        crossing_spans.lead_id,
        crossing_spans.score_date,
        crossing_spans.bound,
        crossing_spans.undecaying_score,
        crossing_spans.fit_grade,
        greatest(0, cast(floor(
            min(states.half_life_days) * ln((crossing_spans.total_score - crossing_spans.undecaying_score)
                / (crossing_spans.bound - crossing_spans.undecaying_score)) / ln(2.0)
        ) as {{ dbt.type_int() }}) - 1) as lo,
        least(crossing_spans.last_offset, cast(floor(
            max(states.half_life_days) * ln(sum(states.points * states.weighted_occurrences
                * {{ decay_factor('states.age_at_start', 'states.half_life_days') }})
                / (crossing_spans.bound - crossing_spans.undecaying_score)) / ln(2.0)
        ) as {{ dbt.type_int() }}) + 2) as hi
    from crossing_spans
    inner join candidate_states as states
        on states.model_id = crossing_spans.model_id
        and states.lead_id = crossing_spans.lead_id
        and states.score_date = crossing_spans.score_date
        and states.bound = crossing_spans.bound
    group by
        crossing_spans.model_id,
        crossing_spans.lead_id,
        crossing_spans.score_date,
        crossing_spans.bound,
        crossing_spans.undecaying_score,
        crossing_spans.fit_grade,
        crossing_spans.total_score,
        crossing_spans.last_offset

),

{%- set step_key = 'step.model_id, step.lead_id, step.score_date, step.bound, step.undecaying_score, step.fit_grade' %}
{%- set states_join %}
    left join candidate_states as states
        on states.model_id = step.model_id
        and states.lead_id = step.lead_id
        and states.score_date = step.score_date
        and states.bound = step.bound
{%- endset %}

{%- for i in range(1, bisection_steps + 1) %}

-- Halving {{ i }}: spans whose first day below the bound is known (hi = lo + 1) keep lo and hi and
-- join no state. (The previous step is read once: engines that inline CTEs, as Spark does,
-- would otherwise copy the chain of steps twice per step.)
step_{{ i }} as (

    select
        {{ step_key }},
        case
            when step.is_settled then step.lo
            when {{ span_score_at('states', 'step.undecaying_score', 'step.mid') }} < step.bound then step.lo
            else step.mid
        end as lo,
        case
            when step.is_settled then step.hi
            when {{ span_score_at('states', 'step.undecaying_score', 'step.mid') }} < step.bound then step.mid
            else step.hi
        end as hi
    from (
        select
            previous_step.*,
            previous_step.hi - previous_step.lo <= 1 as is_settled,
            cast(floor((previous_step.lo + previous_step.hi) / 2.0) as {{ dbt.type_int() }}) as mid
        from step_{{ i - 1 }} as previous_step
    ) as step
    {{ states_join }}
        and not step.is_settled
    group by {{ step_key }}, step.lo, step.mid, step.hi, step.is_settled

),

{%- endfor %}

-- The first day below the bound (hi) and the score on it; a latest span whose score has not
-- fallen below the bound within the longest span looked at has no crossing.
decay_crossings as (

    select
        {{ step_key }},
        cast({{ dbt.dateadd('day', 'step.hi', 'step.score_date') }} as date) as crossing_date,
        {{ span_score_at('states', 'step.undecaying_score', 'step.hi') }} as total_score
    from step_{{ bisection_steps }} as step
    {{ states_join }}
    group by {{ step_key }}, step.hi
    having {{ span_score_at('states', 'step.undecaying_score', 'step.hi') }} < step.bound

),

-- A decay below both bounds on one day is one change: keep the lower score.
decay_changes as (

    select
        crossings.model_id,
        crossings.lead_id,
        crossings.crossing_date,
        crossings.fit_grade,
        min(crossings.total_score) as total_score
    from decay_crossings as crossings
    group by crossings.model_id, crossings.lead_id, crossings.crossing_date, crossings.fit_grade

),

-- Score changes that can start a span: a band other than the row before's, or the row after a
-- span that decayed through a bound (its band may equal the one the span started in).
band_changes as (

    select
        spans.model_id,
        spans.lead_id,
        spans.changed_at as valid_from,
        spans.score_date as valid_from_date,
        spans.total_score,
        spans.score_band,
        spans.fit_grade,
        'score_change' as change_kind
    from spans_with_end as spans
    inner join models on models.model_id = spans.model_id
    where spans.previous_band is null
       or spans.previous_band != spans.score_band
       or (spans.previous_total_score >= models.nurture_min_score and spans.total_score_day_before < models.nurture_min_score)
       or (spans.previous_total_score >= models.mql_threshold and spans.total_score_day_before < models.mql_threshold)

    union all

    select
        decay_changes.model_id,
        decay_changes.lead_id,
        cast(decay_changes.crossing_date as {{ dbt.type_timestamp() }}) as valid_from,
        decay_changes.crossing_date as valid_from_date,
        decay_changes.total_score,
        case when decay_changes.total_score >= models.nurture_min_score then 'nurture' else 'cold' end as score_band,
        decay_changes.fit_grade,
        'decay' as change_kind
    from decay_changes
    inner join models on models.model_id = decay_changes.model_id

),

-- Consecutive rows in the same band are one span.
band_starts as (

    select
        band_changes.*,
        lag(band_changes.score_band) over (
            partition by band_changes.model_id, band_changes.lead_id order by band_changes.valid_from
        ) as previous_band
    from band_changes

),

spans as (

    select *
    from band_starts
    where previous_band is null or previous_band != score_band

),

final as (

    select
        model_id,
        lead_id,
        score_band,
        valid_from,
        valid_from_date,
        lead(valid_from) over (partition by model_id, lead_id order by valid_from) as valid_to,
        total_score as total_score_at_start,
        fit_grade,
        change_kind
    from spans

)

select * from final
