{#- The query of the model int_lead_activation_edges (the model file documents it) for one batch
    of leads (in_lead_batch): batch 0 is the model's own statement, the others are inserted after
    it by its post-hook (insert_batches). Every input read by lead keeps the batch's leads only,
    and every figure is per lead (each window is partitioned by lead), so the batches together
    equal one query over all leads. -#}
{% macro lead_activation_edges_batch(batch, batches) -%}

with

-- The lead rules (account rules: int_account_activation_edges; a rule without a target is a lead's).
rules as (

    select * from {{ ref('int_activation_rules') }}
    where coalesce(target_type, 'lead') = 'lead'

),

suppressions as (

    select * from {{ ref('int_activation_suppressions') }}

),

band_spans as (

    select band_spans.*
    from {{ ref('int_lead_score_band_spans') }} as band_spans
    {{ leads_in_scoring_scope('band_spans', 'int_lead_lifecycle_scope') }}
    where {{ in_lead_batch('band_spans.lead_id', batch, batches, 'int_lead_lifecycle_scope') }}

),

stints as (

    select
        stints.model_id,
        stints.lead_id,
        stints.to_stage as stage,
        stints.signal_at as started_at,
        stints.exited_at as ended_at,
        stints.mql_episode,
        stints.sales_owner
    from {{ ref('int_lead_stage_signals_evaluated') }} as stints
    {{ leads_in_scoring_scope('stints', 'int_lead_lifecycle_scope') }}
    where stints.is_applied
      and {{ in_lead_batch('stints.lead_id', batch, batches, 'int_lead_lifecycle_scope') }}

),

events as (

    select events.*
    from {{ ref('stg_raw__events') }} as events
    {{ leads_in_scoring_scope('events', 'int_lead_lifecycle_scope') }}
    where events.occurred_on <= {{ scoring_as_of_date() }}
      and {{ in_lead_batch('events.lead_id', batch, batches, 'int_lead_lifecycle_scope') }}

),

rule_states as (

    select rule_states.*
    from {{ ref('int_lead_engagement_rule_states') }} as rule_states
    {{ leads_in_scoring_scope('rule_states', 'int_lead_lifecycle_scope') }}
    where rule_states.counts_for_total
      and {{ in_lead_batch('rule_states.lead_id', batch, batches, 'int_lead_lifecycle_scope') }}

),

fit_rule_descriptions as (

    select distinct model_id, rule_id, description
    from {{ ref('int_fit_rules') }}

),

fit_matches as (

    select fit_matches.*
    from {{ ref('int_lead_fit_rule_matches') }} as fit_matches
    {{ leads_in_scoring_scope('fit_matches', 'int_lead_lifecycle_scope') }}
    where {{ in_lead_batch('fit_matches.lead_id', batch, batches, 'int_lead_lifecycle_scope') }}

),

-- Each rule's bands and stages, one row each, so that the intervals join on equality.
rule_bands as (

    {%- for band in score_bands() %}
    select action_id, model_id, '{{ band }}' as score_band
    from rules
    where {{ activation_list_has('rules.score_bands', "'" ~ band ~ "'") }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

rule_stages as (

    {%- for stage in lifecycle_stage_names() %}
    select action_id, model_id, '{{ stage }}' as stage
    from rules
    where {{ activation_list_has('rules.lifecycle_stages', "'" ~ stage ~ "'") }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

-- The two ends of an interval: +1 where it starts, -1 where it ends.
interval_ends as (

    select 1 as delta
    union all
    select -1 as delta

),

-- The parts of each rule's condition as intervals, by their ends: band spans, stage stints, the
-- days an event counts, and suppressions (an event suppression from the lead's first such event
-- on, a stage suppression while the lead is in the stage).
intervals as (

    select rule_bands.action_id, band_spans.lead_id, 'band' as part, band_spans.valid_from as started_at, band_spans.valid_to as ended_at
    from rule_bands
    inner join band_spans
        on band_spans.model_id = rule_bands.model_id
        and band_spans.score_band = rule_bands.score_band

    union all

    select rule_stages.action_id, stints.lead_id, 'stage' as part, stints.started_at, stints.ended_at
    from rule_stages
    inner join stints
        on stints.model_id = rule_stages.model_id
        and stints.stage = rule_stages.stage

    union all

    select
        rules.action_id,
        events.lead_id,
        'event' as part,
        events.occurred_at as started_at,
        {{ dbt.dateadd('day', 'rules.event_within_days', 'events.occurred_at') }} as ended_at
    from rules
    inner join events
        on events.event_type = rules.event_type
        and {{ event_matches_rule('rules', 'events') }}

    union all

    select
        suppressions.action_id,
        events.lead_id,
        'suppression' as part,
        min(events.occurred_at) as started_at,
        cast(null as {{ dbt.type_timestamp() }}) as ended_at
    from suppressions
    inner join events
        on suppressions.kind = 'event'
        and events.event_type = suppressions.suppressed_value
    group by suppressions.action_id, suppressions.suppression, events.lead_id

    union all

    select suppressions.action_id, stints.lead_id, 'suppression' as part, stints.started_at, stints.ended_at
    from suppressions
    inner join rules on rules.action_id = suppressions.action_id
    inner join stints
        on suppressions.kind = 'stage'
        and stints.model_id = rules.model_id
        and stints.stage = suppressions.suppressed_value

),

interval_bounds as (

    select
        intervals.action_id,
        intervals.lead_id,
        intervals.part,
        case when interval_ends.delta = 1 then intervals.started_at else intervals.ended_at end as boundary_at,
        interval_ends.delta,
        cast(null as {{ dbt.type_int() }}) as mql_episode
    from intervals
    cross join interval_ends
    where interval_ends.delta = 1 or intervals.ended_at is not null

    union all

    -- Not a part of the condition: where each MQL episode starts (mql_episode, and the groups of
    -- once_per_mql_episode).
    select rules.action_id, stints.lead_id, 'episode' as part, stints.started_at as boundary_at, 0 as delta, stints.mql_episode
    from rules
    inner join stints
        on stints.model_id = rules.model_id
        and stints.stage = 'mql'

),

-- One row per rule, lead and time at which anything starts or ends.
instants as (

    select
        action_id,
        lead_id,
        boundary_at,
        sum(case when part = 'band' then delta else 0 end) as band_delta,
        sum(case when part = 'stage' then delta else 0 end) as stage_delta,
        sum(case when part = 'event' then delta else 0 end) as event_delta,
        sum(case when part = 'suppression' then delta else 0 end) as suppression_delta,
        max(mql_episode) as mql_episode_started
    from interval_bounds
    group by action_id, lead_id, boundary_at

),

running as (

    select
        instants.action_id,
        instants.lead_id,
        instants.boundary_at,
        sum(band_delta) over lead_timeline as open_bands,
        sum(stage_delta) over lead_timeline as open_stages,
        sum(event_delta) over lead_timeline as open_events,
        sum(suppression_delta) over lead_timeline as open_suppressions,
        max(mql_episode_started) over lead_timeline as mql_episode,
        instants.band_delta,
        instants.stage_delta,
        instants.event_delta,
        instants.suppression_delta,
        row_number() over lead_timeline as instant_number
    from instants
    window lead_timeline as (partition by instants.action_id, instants.lead_id order by instants.boundary_at rows between unbounded preceding and current row)

),

-- The condition after each instant, and just before it (the counts without the instant's own
-- starts and ends).
changes as (

    select
        running.*,
        (rules.score_bands is null or running.open_bands > 0)
        and (rules.lifecycle_stages is null or running.open_stages > 0)
        and (rules.event_type is null or running.open_events > 0)
        and running.open_suppressions = 0 as condition_holds,
        (rules.score_bands is null or running.open_bands - running.band_delta > 0)
        and (rules.lifecycle_stages is null or running.open_stages - running.stage_delta > 0)
        and (rules.event_type is null or running.open_events - running.event_delta > 0)
        and running.open_suppressions - running.suppression_delta = 0
        and running.instant_number > 1 as condition_held_before
    from running
    inner join rules on rules.action_id = running.action_id

),

edges as (

    select
        changes.action_id,
        changes.lead_id,
        changes.boundary_at as due_at,
        cast(changes.boundary_at as date) as due_date,
        changes.mql_episode
    from changes
    inner join rules on rules.action_id = changes.action_id
    where (rules.trigger_on = 'enter' and changes.condition_holds and not changes.condition_held_before)
       or (rules.trigger_on = 'exit' and not changes.condition_holds and changes.condition_held_before)

),

-- The re-trigger policy: which of the edges make an activation.
kept as (

    select
        edges.*,
        rules.model_id,
        rules.retrigger,
        row_number() over (
            partition by edges.action_id, edges.lead_id, case when rules.retrigger = 'once_per_mql_episode' then coalesce(edges.mql_episode, 0) end
            order by edges.due_at
        ) as edge_in_group,
        row_number() over (partition by edges.action_id, edges.lead_id, edges.due_date order by edges.due_at) as edge_in_day
    from edges
    inner join rules on rules.action_id = edges.action_id

),

activations as (

    select *
    from kept
    where retrigger = 'every_entry' or edge_in_group = 1

),

-- The facts at the due time: the band span, the stage stint and the latest matching event.
with_band as (

    select activations.*, band_spans.score_band, band_spans.fit_grade
    from activations
    left join band_spans
        on band_spans.model_id = activations.model_id
        and band_spans.lead_id = activations.lead_id
        and band_spans.valid_from <= activations.due_at
        and (band_spans.valid_to is null or band_spans.valid_to > activations.due_at)

),

with_stint as (

    select
        with_band.*,
        stints.stage as lifecycle_stage,
        stints.sales_owner,
        row_number() over (
            partition by with_band.action_id, with_band.lead_id, with_band.due_at
            order by stints.started_at desc
        ) as stint_rank
    from with_band
    left join stints
        on stints.model_id = with_band.model_id
        and stints.lead_id = with_band.lead_id
        and stints.started_at <= with_band.due_at

),

triggering_events as (

    select
        with_stint.action_id,
        with_stint.lead_id,
        with_stint.due_at,
        events.event_id,
        events.event_type,
        events.occurred_at,
        row_number() over (
            partition by with_stint.action_id, with_stint.lead_id, with_stint.due_at
            order by events.occurred_at desc, events.event_id desc
        ) as event_rank
    from with_stint
    inner join rules on rules.action_id = with_stint.action_id
    inner join events
        on events.lead_id = with_stint.lead_id
        and events.event_type = rules.event_type
        and {{ event_matches_rule('rules', 'events') }}
        and events.occurred_at <= with_stint.due_at
    where with_stint.stint_rank = 1

),

due as (

    select *
    from with_stint
    where stint_rank = 1

),

-- Every rule's points on the due day (fit rules that match, engagement rules decayed to that
-- day), for the score and its top three reasons.
due_rule_points as (

    select due.action_id, due.lead_id, due.due_at, engagement_rules.description,
        {{ rule_points_at('rule_states', 'engagement_rules', 'due.due_date') }} as points
    from due
    inner join rule_states
        on rule_states.model_id = due.model_id
        and rule_states.lead_id = due.lead_id
        and rule_states.state_date <= due.due_date
        and (rule_states.next_state_date is null or rule_states.next_state_date > due.due_date)
    inner join {{ ref('int_engagement_rules') }} as engagement_rules
        on engagement_rules.model_id = rule_states.model_id
        and engagement_rules.rule_id = rule_states.rule_id

    union all

    select due.action_id, due.lead_id, due.due_at, fit_rules.description, fit_matches.points
    from due
    inner join fit_matches
        on fit_matches.model_id = due.model_id
        and fit_matches.lead_id = due.lead_id
    inner join fit_rule_descriptions as fit_rules
        on fit_rules.model_id = fit_matches.model_id
        and fit_rules.rule_id = fit_matches.rule_id

),

ranked_reasons as (

    select
        due_rule_points.*,
        row_number() over (
            partition by action_id, lead_id, due_at
            order by due_rule_points.points desc, due_rule_points.description asc
        ) as reason_rank
    from due_rule_points

),

-- The score, and the three reasons as one text (top_reasons_text).
due_scores as (

    select
        ranked_reasons.action_id,
        ranked_reasons.lead_id,
        ranked_reasons.due_at,
        sum(ranked_reasons.points) as total_score,
        {{ top_reasons_text('ranked_reasons') }} as top_reasons
    from ranked_reasons
    group by ranked_reasons.action_id, ranked_reasons.lead_id, ranked_reasons.due_at

),

final as (

    select
        {{ activation_id('with_stint', 'with_stint.lead_id', 'once_per_mql_episode', 'coalesce(with_stint.mql_episode, 0)') }} as activation_id,
        with_stint.action_id,
        with_stint.model_id,
        with_stint.lead_id,
        with_stint.due_at,
        with_stint.due_date,
        with_stint.mql_episode,
        with_stint.lifecycle_stage,
        with_stint.score_band,
        with_stint.fit_grade,
        with_stint.sales_owner,
        cast({{ round_number('coalesce(due_scores.total_score, 0.0)', 2) }} as {{ type_double() }}) as total_score,
        due_scores.top_reasons,
        triggering_events.event_id as triggering_event_id,
        triggering_events.event_type as triggering_event_type,
        triggering_events.occurred_at as triggering_event_at
    from with_stint
    left join triggering_events
        on triggering_events.action_id = with_stint.action_id
        and triggering_events.lead_id = with_stint.lead_id
        and triggering_events.due_at = with_stint.due_at
        and triggering_events.event_rank = 1
    left join due_scores
        on due_scores.action_id = with_stint.action_id
        and due_scores.lead_id = with_stint.lead_id
        and due_scores.due_at = with_stint.due_at
    where with_stint.stint_rank = 1

)

select * from final

{%- endmacro %}
