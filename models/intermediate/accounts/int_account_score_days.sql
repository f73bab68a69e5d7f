-- Account scores per scoring model and account on every day one of its leads' scores changed
-- (the days of int_lead_score_changes up to today), and on today (var scoring_as_of_date).
--
-- Between two such days every lead's engagement only decays and no lead is created, so the
-- account's best fit stays and its engagement, engaged leads and score can only fall: an
-- account crosses the MQA threshold (or gains an engaged lead) only on one of these days, and
-- its first MQA day is the first of them on which it qualifies. Each lead's engagement is exact
-- on every such day: the part that does not decay as of its latest score change, plus its
-- decaying rules' states decayed to the day (as int_lead_score_changes computes them).
--
-- Only leads with a positive engagement take part in the ranking (a lead's penalty does not lower
-- its account); spans of zero engagement are left out before the join, which keeps the join to
-- the leads that engage. Rebuilt whole on each run: it reads the score history, not the events.

with

lead_accounts as (

    select lead_id, account_id from {{ ref('int_lead_accounts') }}

),

settings as (

    select * from {{ ref('int_account_scoring') }}

),

rules as (

    select * from {{ ref('int_engagement_rules') }}

),

lead_scores as (

    select
        score_changes.model_id,
        lead_accounts.account_id,
        score_changes.lead_id,
        score_changes.score_date,
        score_changes.next_score_date,
        score_changes.changed_at,
        score_changes.fit_score,
        score_changes.engagement_score,
        score_changes.undecaying_score - score_changes.fit_score as undecaying_engagement
    from {{ ref('int_lead_score_changes') }} as score_changes
    inner join lead_accounts on lead_accounts.lead_id = score_changes.lead_id
    inner join settings on settings.model_id = score_changes.model_id
    where score_changes.score_date <= {{ scoring_as_of_date() }}

),

-- Decaying rules' states (their points are not in undecaying_engagement), as they count for the
-- total score.
decaying_states as (

    select rule_states.*
    from {{ ref('int_lead_engagement_rule_states') }} as rule_states
    inner join lead_accounts on lead_accounts.lead_id = rule_states.lead_id
    where rule_states.points_delta is null
      and rule_states.counts_for_total
      and rule_states.state_date <= {{ scoring_as_of_date() }}

),

change_days as (

    select
        model_id,
        account_id,
        score_date,
        max(changed_at) as changed_at
    from lead_scores
    group by model_id, account_id, score_date

),

score_days as (

    select model_id, account_id, score_date, true as is_change_day, changed_at
    from change_days

    union all

    -- Today, unless it is a change day already.
    select
        model_id,
        account_id,
        {{ scoring_as_of_date() }} as score_date,
        false as is_change_day,
        cast(null as {{ dbt.type_timestamp() }}) as changed_at
    from change_days
    group by model_id, account_id
    having max(score_date) < {{ scoring_as_of_date() }}

),

-- Leads created per day (a lead's first score row is its creation day); best fit and lead count
-- as running figures, valid until the next creation day.
created as (

    select model_id, account_id, lead_id, min(score_date) as created_on, max(fit_score) as fit_score
    from lead_scores
    group by model_id, account_id, lead_id

),

created_days as (

    select model_id, account_id, created_on, max(fit_score) as fit_score, count(*) as leads_count
    from created
    group by model_id, account_id, created_on

),

created_running as (

    select
        model_id,
        account_id,
        created_on,
        max(fit_score) over running_days as best_fit_score,
        sum(leads_count) over running_days as leads_count,
        lead(created_on) over (partition by model_id, account_id order by created_on) as next_created_on
    from created_days
    window running_days as (partition by model_id, account_id order by created_on rows between unbounded preceding and current row)

),

-- Each engaging lead's latest score change on or before each day.
engaged_spans as (

    select
        days.model_id,
        days.account_id,
        days.score_date,
        spans.lead_id,
        spans.undecaying_engagement
    from score_days as days
    inner join lead_scores as spans
        on spans.model_id = days.model_id
        and spans.account_id = days.account_id
        and spans.score_date <= days.score_date
        and (spans.next_score_date is null or spans.next_score_date > days.score_date)
    where spans.engagement_score > 0

),

decaying_points as (

    select
        spans.model_id,
        spans.account_id,
        spans.score_date,
        spans.lead_id,
        sum({{ rule_points_at('states', 'rules', 'spans.score_date') }}) as decaying_engagement
    from engaged_spans as spans
    inner join decaying_states as states
        on states.model_id = spans.model_id
        and states.lead_id = spans.lead_id
        and states.state_date <= spans.score_date
        and (states.next_state_date is null or states.next_state_date > spans.score_date)
    inner join rules
        on rules.model_id = states.model_id
        and rules.rule_id = states.rule_id
    group by spans.model_id, spans.account_id, spans.score_date, spans.lead_id

),

lead_engagement as (

    select
        spans.model_id,
        spans.account_id,
        spans.score_date,
        spans.lead_id,
        spans.undecaying_engagement + coalesce(decaying_points.decaying_engagement, 0.0) as engagement_score
    from engaged_spans as spans
    left join decaying_points
        on decaying_points.model_id = spans.model_id
        and decaying_points.account_id = spans.account_id
        and decaying_points.score_date = spans.score_date
        and decaying_points.lead_id = spans.lead_id

),

ranked as (

    select
        lead_engagement.*,
        row_number() over (
            partition by lead_engagement.model_id, lead_engagement.account_id, lead_engagement.score_date
            order by lead_engagement.engagement_score desc, lead_engagement.lead_id
        ) as engagement_rank
    from lead_engagement
    where lead_engagement.engagement_score > 0

),

account_engagement as (

    select
        ranked.model_id,
        ranked.account_id,
        ranked.score_date,
        sum(case when ranked.engagement_rank <= settings.top_engagement_leads then ranked.engagement_score else 0.0 end) as account_engagement_score,
        count(case when ranked.engagement_score >= settings.engaged_lead_min_engagement then 1 end) as engaged_leads
    from ranked
    inner join settings on settings.model_id = ranked.model_id
    group by ranked.model_id, ranked.account_id, ranked.score_date

),

scored as (

    select
        days.model_id,
        days.account_id,
        days.score_date,
        days.is_change_day,
        days.changed_at,
        cast(created_running.leads_count as {{ dbt.type_int() }}) as leads_count,
        created_running.best_fit_score,
        coalesce(account_engagement.account_engagement_score, 0.0) as account_engagement_score,
        case when settings.add_best_fit then created_running.best_fit_score else 0.0 end
            + coalesce(account_engagement.account_engagement_score, 0.0) as account_score,
        cast(coalesce(account_engagement.engaged_leads, 0) as {{ dbt.type_int() }}) as engaged_leads,
        settings.mqa_threshold,
        settings.min_engaged_leads,
        settings.engaged_account_min_engagement
    from score_days as days
    inner join settings on settings.model_id = days.model_id
    inner join created_running
        on created_running.model_id = days.model_id
        and created_running.account_id = days.account_id
        and created_running.created_on <= days.score_date
        and (created_running.next_created_on is null or created_running.next_created_on > days.score_date)
    left join account_engagement
        on account_engagement.model_id = days.model_id
        and account_engagement.account_id = days.account_id
        and account_engagement.score_date = days.score_date

),

final as (

    select
        model_id,
        account_id,
        score_date,
        is_change_day,
        changed_at,
        leads_count,
        best_fit_score,
        account_engagement_score,
        account_score,
        engaged_leads,
        account_engagement_score >= engaged_account_min_engagement as is_engaged_account,
        (account_score >= mqa_threshold and engaged_leads >= min_engaged_leads) as is_mqa
    from scored

)

select * from final
