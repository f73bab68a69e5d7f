-- Every time an account rule's condition (seed activation_rules, target account) started (trigger_on
-- enter) or stopped (exit) holding for an account, kept by the rule's re-trigger policy, with the
-- facts behind it: one row per activation; fct_account_activations shows those up to the scoring day.
--
-- A rule's condition at a time t is: the account's state (MQA or engaged), score and engaged leads
-- as int_account_score_days evaluated them on its latest change day at or before t (each part when
-- the rule names it), and none of the account suppressions that apply to the rule holding (an open
-- opportunity of one of its leads, or a won deal, as the account funnel counts them). The account
-- score only rises on a change day, so an account becomes an MQA exactly then; a decay below the
-- threshold between two change days shows on the next one (as in fct_account_scores).
--
-- Point in time: only change days up to the scoring day and the facts of each time take part, so
-- a build for an earlier scoring day gives the same activations up to that day.
--
-- Restated by account (int_account_scope), like int_account_score_days: an account's activations
-- come from its change days, its leads' opportunities and score changes and the activation seeds,
-- all in its account fingerprint.
{{ restated_by_account() }}

with

rules as (

    select * from {{ ref('int_activation_rules') }}
    where target_type = 'account'

),

suppressions as (

    select * from {{ ref('int_activation_suppressions') }}
    where kind = 'account_stage'

),

lead_accounts as (

    select lead_id, account_id from {{ ref('int_lead_accounts') }}

),

-- The change days (the "today" row is not one: it moves with the scoring day), each valid until
-- the next one's change.
score_days as (

    select
        score_days.*,
        lead(score_days.changed_at) over by_day as next_changed_at,
        lag(score_days.is_mqa) over by_day as was_mqa
    from {{ ref('int_account_score_days') }} as score_days
    {{ leads_in_scoring_scope('score_days', 'int_account_scope') }}
    where score_days.is_change_day
    window by_day as (partition by score_days.model_id, score_days.account_id order by score_days.score_date)

),

-- MQA episodes: an episode starts on each change day the account is an MQA after one it was not.
score_states as (

    select
        score_days.*,
        sum(case when score_days.is_mqa and not coalesce(score_days.was_mqa, false) then 1 else 0 end) over (
            partition by score_days.model_id, score_days.account_id
            order by score_days.score_date
            rows between unbounded preceding and current row
        ) as mqa_episode
    from score_days

),

-- The account stages a suppression may name: open opportunities of its leads, and customer from
-- its first won deal on.
opportunities as (

    select
        lead_accounts.account_id,
        opportunities.created_at,
        case when opportunities.is_closed then opportunities.closed_at end as closed_at,
        opportunities.is_won
    from {{ ref('stg_raw__opportunities') }} as opportunities
    inner join lead_accounts on lead_accounts.lead_id = opportunities.lead_id

),

account_stages as (

    select account_id, 'opportunity' as stage, created_at as started_at, closed_at as ended_at
    from opportunities

    union all

    select account_id, 'customer' as stage, min(closed_at) as started_at, cast(null as {{ dbt.type_timestamp() }}) as ended_at
    from opportunities
    where is_won and closed_at is not null
    group by account_id

),

-- When each rule's account conditions hold (change days satisfying them, until the next change).
held as (

    select
        rules.action_id,
        states.account_id,
        states.changed_at as started_at,
        states.next_changed_at as ended_at
    from rules
    inner join score_states as states on states.model_id = rules.model_id
    where (
        rules.account_state is null
        or (rules.account_state = 'mqa' and states.is_mqa)
        or (rules.account_state = 'engaged' and states.is_engaged_account)
    )
    and (rules.min_account_score is null or states.account_score >= rules.min_account_score)
    and (rules.min_engaged_leads is null or states.engaged_leads >= rules.min_engaged_leads)

),

suppressed as (

    select suppressions.action_id, account_stages.account_id, account_stages.started_at, account_stages.ended_at
    from suppressions
    inner join account_stages on account_stages.stage = suppressions.suppressed_value

),

-- The accounts each rule's conditions ever hold for: only their suppressions matter.
held_accounts as (

    select distinct action_id, account_id from held

),

-- The times at which anything starts or ends, for those accounts.
instants as (

    select action_id, account_id, started_at as instant_at from held
    union
    select action_id, account_id, ended_at as instant_at
    from held
    where ended_at is not null
    union
    select suppressed.action_id, suppressed.account_id, suppressed.started_at as instant_at
    from suppressed
    inner join held_accounts
        on held_accounts.action_id = suppressed.action_id
        and held_accounts.account_id = suppressed.account_id
    union
    select suppressed.action_id, suppressed.account_id, suppressed.ended_at as instant_at
    from suppressed
    inner join held_accounts
        on held_accounts.action_id = suppressed.action_id
        and held_accounts.account_id = suppressed.account_id
    where suppressed.ended_at is not null

),

holding as (

    select instants.action_id, instants.account_id, instants.instant_at, count(held.account_id) > 0 as is_held
    from instants
    left join held
        on held.action_id = instants.action_id
        and held.account_id = instants.account_id
        and held.started_at <= instants.instant_at
        and (held.ended_at is null or held.ended_at > instants.instant_at)
    group by instants.action_id, instants.account_id, instants.instant_at

),

suppressing as (

    select instants.action_id, instants.account_id, instants.instant_at, count(suppressed.account_id) > 0 as is_suppressed
    from instants
    left join suppressed
        on suppressed.action_id = instants.action_id
        and suppressed.account_id = instants.account_id
        and suppressed.started_at <= instants.instant_at
        and (suppressed.ended_at is null or suppressed.ended_at > instants.instant_at)
    group by instants.action_id, instants.account_id, instants.instant_at

),

conditions as (

    select
        holding.action_id,
        holding.account_id,
        holding.instant_at,
        holding.is_held and not suppressing.is_suppressed as condition_holds
    from holding
    inner join suppressing
        on suppressing.action_id = holding.action_id
        and suppressing.account_id = holding.account_id
        and suppressing.instant_at = holding.instant_at

),

changes as (

    select
        conditions.*,
        coalesce(lag(conditions.condition_holds) over (
            partition by conditions.action_id, conditions.account_id order by conditions.instant_at
        ), false) as condition_held_before
    from conditions

),

-- The changes of the condition, with the account's facts at that time (its latest change day).
edges as (

    select
        changes.action_id,
        rules.model_id,
        rules.retrigger,
        changes.account_id,
        changes.instant_at as due_at,
        cast(changes.instant_at as date) as due_date,
        states.score_date,
        states.mqa_episode,
        states.account_score,
        states.is_mqa,
        states.is_engaged_account,
        states.engaged_leads,
        states.leads_count
    from changes
    inner join rules on rules.action_id = changes.action_id
    inner join score_states as states
        on states.model_id = rules.model_id
        and states.account_id = changes.account_id
        and states.changed_at <= changes.instant_at
        and (states.next_changed_at is null or states.next_changed_at > changes.instant_at)
    where (rules.trigger_on = 'enter' and changes.condition_holds and not changes.condition_held_before)
       or (rules.trigger_on = 'exit' and not changes.condition_holds and changes.condition_held_before)

),

-- The re-trigger policy: which of the edges make an activation.
kept as (

    select
        edges.*,
        row_number() over (
            partition by edges.action_id, edges.account_id, case when edges.retrigger = 'once_per_mqa_episode' then edges.mqa_episode end
            order by edges.due_at
        ) as edge_in_group,
        row_number() over (partition by edges.action_id, edges.account_id, edges.due_date order by edges.due_at) as edge_in_day
    from edges

),

activations as (

    select *
    from kept
    where retrigger = 'every_entry' or edge_in_group = 1

),

-- The account's leads with a positive engagement on the due day (as of each lead's latest score
-- change by then), most engaged first.
due_leads as (

    select
        activations.action_id,
        activations.account_id,
        activations.due_at,
        score_changes.lead_id,
        row_number() over (
            partition by activations.action_id, activations.account_id, activations.due_at
            order by score_changes.engagement_score desc, score_changes.lead_id asc
        ) as lead_rank
    from activations
    inner join lead_accounts on lead_accounts.account_id = activations.account_id
    inner join {{ ref('int_lead_score_changes') }} as score_changes
        on score_changes.model_id = activations.model_id
        and score_changes.lead_id = lead_accounts.lead_id
        and score_changes.score_date <= activations.due_date
        and (score_changes.next_score_date is null or score_changes.next_score_date > activations.due_date)
    where score_changes.engagement_score > 0

),

-- The top three as one text (three picks rather than an ordered string aggregate, as top_reasons_text).
top_leads as (

    select
        action_id,
        account_id,
        due_at,
        max(case when lead_rank = 1 then lead_id end)
        || coalesce('|' || max(case when lead_rank = 2 then lead_id end), '')
        || coalesce('|' || max(case when lead_rank = 3 then lead_id end), '') as top_engaged_lead_ids
    from due_leads
    where lead_rank <= 3
    group by action_id, account_id, due_at

),

final as (

    select
        {{ activation_id('activations', 'activations.account_id', 'once_per_mqa_episode', 'activations.mqa_episode') }} as activation_id,
        activations.action_id,
        activations.model_id,
        activations.account_id,
        activations.due_at,
        activations.due_date,
        cast(activations.mqa_episode as {{ dbt.type_int() }}) as mqa_episode,
        activations.score_date,
        cast({{ round_number('activations.account_score', 2) }} as {{ type_double() }}) as account_score,
        activations.is_mqa,
        activations.is_engaged_account,
        activations.engaged_leads,
        activations.leads_count,
        top_leads.top_engaged_lead_ids
    from activations
    left join top_leads
        on top_leads.action_id = activations.action_id
        and top_leads.account_id = activations.account_id
        and top_leads.due_at = activations.due_at

)

select * from final
