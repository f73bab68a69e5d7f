{#- The query of the model int_account_score_days (the model file documents it)
    for one batch of accounts (in_batch): batch 0 is the model's own statement, the
    others are inserted after it by its post-hook (insert_batches). Every CTE
    reads the batch's accounts only, and every figure is per account, so the batches together
    equal one query over all accounts. -#}
{% macro account_score_days_batch(batch, batches) -%}
{%- set as_of = scoring_as_of_date() %}

with

lead_accounts as (

    select lead_id, account_id from {{ ref('int_lead_accounts') }}

),

-- The leads of the accounts this run restates (all of them on a full build): only their score
-- changes and rule states are read. restate_from: the account's first recomputed day (empty: all).
restated_lead_accounts as (

    select
        lead_accounts.lead_id,
        lead_accounts.account_id,
        {% if is_incremental() -%}
        scope.restate_from
        {%- else -%}
        cast(null as date) as restate_from
        {%- endif %}
    from lead_accounts
    {{ leads_in_scoring_scope('lead_accounts', 'int_account_scope') }}
    where {{ in_batch('lead_accounts.account_id', batch, batches) }}

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
    inner join restated_lead_accounts as lead_accounts on lead_accounts.lead_id = score_changes.lead_id
    inner join settings on settings.model_id = score_changes.model_id
    where score_changes.score_date <= {{ as_of }}

),

-- Decaying rules' states (their points are not in undecaying_engagement), as they count for the
-- total score.
decaying_states as (

    select rule_states.*
    from {{ ref('int_lead_engagement_rule_states') }} as rule_states
    inner join restated_lead_accounts as lead_accounts on lead_accounts.lead_id = rule_states.lead_id
    where rule_states.points_delta is null
      and rule_states.counts_for_total
      and rule_states.state_date <= {{ as_of }}
      -- states that end before the first recomputed day are read by no change day
      and (lead_accounts.restate_from is null or rule_states.next_state_date is null or rule_states.next_state_date > lead_accounts.restate_from)

),

-- Visits as page_view events, so that rules match them as they match events.
visit_events as (

    select
        account_id,
        visited_on,
        visited_at,
        'page_view' as event_type,
        page_url,
        cast(null as {{ dbt.type_string() }}) as content_type,
        cast(null as {{ dbt.type_string() }}) as newsletter,
        cast(null as {{ dbt.type_string() }}) as form_id,
        cast(null as {{ dbt.type_string() }}) as properties
    from {{ ref('int_account_visits') }}
    where visited_on <= {{ as_of }}
      and {{ in_batch('account_id', batch, batches) }}

),

visit_matches as (

    select
        rules.model_id,
        rules.rule_id,
        visits.account_id,
        visits.visited_on,
        count(*) as visits_count,
        max(visits.visited_at) as last_visited_at
    from visit_events as visits
    inner join rules on rules.event_type = visits.event_type
    inner join settings on settings.model_id = rules.model_id
    where {{ event_matches_rule(rule='rules', event='visits') }}
    group by rules.model_id, rules.rule_id, visits.account_id, visits.visited_on

),

-- Occurrences per rule, account and day after the rule's per-day cap, and the day they leave
-- the rule's window.
visit_rule_days as (

    select
        visit_matches.model_id,
        visit_matches.rule_id,
        visit_matches.account_id,
        visit_matches.visited_on,
        visit_matches.last_visited_at,
        {{ apply_rule_cap('rules', 'max_per_day', 'visit_matches.visits_count') }} as occurrences,
        case when rules.window_days is not null then
            cast({{ dbt.dateadd('day', 'rules.window_days', 'visit_matches.visited_on') }} as date)
        end as leaves_on
    from visit_matches
    inner join rules
        on rules.model_id = visit_matches.model_id
        and rules.rule_id = visit_matches.rule_id

),

-- The visit days of the restated accounts (every account's visits count for its row for today).
restated_visit_rule_days as (

    select visit_rule_days.*
    from visit_rule_days
    {{ leads_in_scoring_scope('visit_rule_days', 'int_account_scope') }}

),

change_times as (

    select model_id, account_id, score_date, changed_at
    from lead_scores

    union all

    select model_id, account_id, visited_on as score_date, last_visited_at as changed_at
    from restated_visit_rule_days

    union all

    -- Visits leaving a rule's window lower the score from the start of that day.
    select model_id, account_id, leaves_on as score_date, cast(leaves_on as {{ dbt.type_timestamp() }}) as changed_at
    from restated_visit_rule_days
    where leaves_on <= {{ as_of }}

),

change_days as (

    select
        change_times.model_id,
        change_times.account_id,
        change_times.score_date,
        max(change_times.changed_at) as changed_at
    from change_times
    {%- if is_incremental() %}
    -- the change days before an account's restate_from stay in the table
    inner join {{ ref('int_account_scope') }} as scope on scope.account_id = change_times.account_id
    where scope.restate_from is null or change_times.score_date >= scope.restate_from
    {%- endif %}
    group by change_times.model_id, change_times.account_id, change_times.score_date

),

-- The accounts that get a row for today: those with a change day before today and none today.
-- On a daily run the change days kept in this table count too (the pre-hook has deleted the
-- restated accounts' rows from their restate_from on, and every row for today).
today_accounts as (

    select model_id, account_id
    from (
        select model_id, account_id, score_date from change_days
        {%- if is_incremental() %}
        union all
        select model_id, account_id, score_date from {{ this }}
        where is_change_day and {{ in_batch('account_id', batch, batches) }}
        {%- endif %}
    ) as account_change_days
    group by model_id, account_id
    having max(score_date) < {{ as_of }}

),

score_days as (

    select model_id, account_id, score_date, true as is_change_day, changed_at
    from change_days

    union all

    select
        model_id,
        account_id,
        {{ as_of }} as score_date,
        false as is_change_day,
        cast(null as {{ dbt.type_timestamp() }}) as changed_at
    from today_accounts

),

-- Every lead's score today, as mart_lead_scores_current shows it, on its account's row for today.
current_leads as (

    select
        current_scores.model_id,
        lead_accounts.account_id,
        current_scores.lead_id,
        current_scores.fit_score,
        current_scores.engagement_score
    from {{ ref('mart_lead_scores_current') }} as current_scores
    inner join lead_accounts on lead_accounts.lead_id = current_scores.lead_id
    inner join today_accounts
        on today_accounts.model_id = current_scores.model_id
        and today_accounts.account_id = lead_accounts.account_id

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

-- The leads created by each day and their best fit: on a change day from the running figures,
-- on today's row from the leads scored today.
day_leads as (

    select
        days.model_id,
        days.account_id,
        days.score_date,
        created_running.leads_count,
        created_running.best_fit_score
    from change_days as days
    inner join created_running
        on created_running.model_id = days.model_id
        and created_running.account_id = days.account_id
        and created_running.created_on <= days.score_date
        and (created_running.next_created_on is null or created_running.next_created_on > days.score_date)

    union all

    select
        model_id,
        account_id,
        {{ as_of }} as score_date,
        count(*) as leads_count,
        max(fit_score) as best_fit_score
    from current_leads
    group by model_id, account_id

),

-- Each engaging lead's latest score change on or before each change day. On the day of the change
-- itself the lead's engagement is the one int_lead_score_changes computed for it; only on the
-- other change days (another lead's change, a visit) are its decaying rules decayed here.
engaged_spans as (

    select
        days.model_id,
        days.account_id,
        days.score_date,
        spans.lead_id,
        spans.undecaying_engagement,
        spans.score_date = days.score_date as is_lead_change_day,
        spans.engagement_score as engagement_on_lead_change_day
    from change_days as days
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
    where not spans.is_lead_change_day
    group by spans.model_id, spans.account_id, spans.score_date, spans.lead_id

),

lead_engagement as (

    select
        spans.model_id,
        spans.account_id,
        spans.score_date,
        spans.lead_id,
        case
            when spans.is_lead_change_day then spans.engagement_on_lead_change_day
            else spans.undecaying_engagement + coalesce(decaying_points.decaying_engagement, 0.0)
        end as engagement_score
    from engaged_spans as spans
    left join decaying_points
        on decaying_points.model_id = spans.model_id
        and decaying_points.account_id = spans.account_id
        and decaying_points.score_date = spans.score_date
        and decaying_points.lead_id = spans.lead_id

    union all

    select model_id, account_id, {{ as_of }} as score_date, lead_id, engagement_score
    from current_leads

),

-- Each visited rule's occurrences still in its window on each day, decayed to the day.
visit_rule_points as (

    select
        days.model_id,
        days.account_id,
        days.score_date,
        rules.rule_id,
        rules.points,
        rules.max_points,
        rules.min_count,
        sum(visit_days.occurrences) as occurrences,
        sum(visit_days.occurrences * {{ decay_factor(dbt.datediff('visit_days.visited_on', 'days.score_date', 'day'), 'rules.half_life_days') }}) as weighted_occurrences
    from score_days as days
    inner join visit_rule_days as visit_days
        on visit_days.model_id = days.model_id
        and visit_days.account_id = days.account_id
        and visit_days.visited_on <= days.score_date
        and (visit_days.leaves_on is null or visit_days.leaves_on > days.score_date)
    inner join rules
        on rules.model_id = visit_days.model_id
        and rules.rule_id = visit_days.rule_id
    group by days.model_id, days.account_id, days.score_date, rules.rule_id, rules.points, rules.max_points, rules.min_count

),

visit_engagement as (

    select
        model_id,
        account_id,
        score_date,
        sum({{ rule_points('visit_rule_points', 'visit_rule_points.occurrences', '(visit_rule_points.weighted_occurrences)') }}) as visit_engagement_score
    from visit_rule_points
    group by model_id, account_id, score_date

),

ranked as (

    select
        lead_engagement.*,
        row_number() over (
            partition by lead_engagement.model_id, lead_engagement.account_id, lead_engagement.score_date
            order by lead_engagement.engagement_score desc, lead_engagement.lead_id asc
        ) as engagement_rank
    from lead_engagement
    where lead_engagement.engagement_score > 0

),

account_engagement as (

    select
        ranked.model_id,
        ranked.account_id,
        ranked.score_date,
        sum(case when ranked.engagement_rank <= settings.top_engagement_leads then ranked.engagement_score else 0.0 end) as lead_engagement_score,
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
        cast(coalesce(day_leads.leads_count, 0) as {{ dbt.type_int() }}) as leads_count,
        -- An account known only from its visits has no lead, so no fit yet.
        coalesce(day_leads.best_fit_score, 0.0) as best_fit_score,
        coalesce(account_engagement.lead_engagement_score, 0.0) as lead_engagement_score,
        -- Like a lead's penalty, a visited page with negative points does not lower the account.
        case when visit_engagement.visit_engagement_score > 0 then visit_engagement.visit_engagement_score else 0.0 end as visit_engagement_score,
        cast(coalesce(account_engagement.engaged_leads, 0) as {{ dbt.type_int() }}) as engaged_leads,
        settings.add_best_fit,
        settings.mqa_threshold,
        settings.min_engaged_leads,
        settings.engaged_account_min_engagement
    from score_days as days
    inner join settings on settings.model_id = days.model_id
    left join day_leads
        on day_leads.model_id = days.model_id
        and day_leads.account_id = days.account_id
        and day_leads.score_date = days.score_date
    left join account_engagement
        on account_engagement.model_id = days.model_id
        and account_engagement.account_id = days.account_id
        and account_engagement.score_date = days.score_date
    left join visit_engagement
        on visit_engagement.model_id = days.model_id
        and visit_engagement.account_id = days.account_id
        and visit_engagement.score_date = days.score_date

),

summed as (

    select
        scored.*,
        scored.lead_engagement_score + scored.visit_engagement_score as account_engagement_score
    from scored

),

evaluated as (

    select
        model_id,
        account_id,
        score_date,
        is_change_day,
        changed_at,
        leads_count,
        best_fit_score,
        lead_engagement_score,
        visit_engagement_score,
        account_engagement_score,
        case when add_best_fit then best_fit_score else 0.0 end + account_engagement_score as account_score,
        engaged_leads,
        account_engagement_score >= engaged_account_min_engagement as is_engaged_account,
        (case when add_best_fit then best_fit_score else 0.0 end + account_engagement_score >= mqa_threshold
         and engaged_leads >= min_engaged_leads) as is_mqa
    from summed

),

-- Whether an account restated from its restate_from was an MQA on a change day kept before it.
with_kept_mqa as (

    select
        evaluated.*,
        {% if is_incremental() -%}
        kept_mqa.account_id is not null
        {%- else -%}
        false
        {%- endif %} as was_mqa_before
    from evaluated
    {%- if is_incremental() %}
    left join (
        select distinct model_id, account_id
        from {{ this }}
        where is_change_day and is_mqa and {{ in_batch('account_id', batch, batches) }}
    ) as kept_mqa
        on kept_mqa.model_id = evaluated.model_id
        and kept_mqa.account_id = evaluated.account_id
    {%- endif %}

),

-- The next change day and the first MQA day, over the change days only. The query holds every
-- change day of an account from its restate_from on (the row before the first changed day among
-- them, for its next change day), and the kept ones before it hold any earlier MQA day; today's
-- rows need neither. An account's row for today comes after all its change days (it has one only
-- when none is today), so both figures come from one window over the account's rows by date,
-- which the engine sorts once (two windows with different partitions cost 5 CPU s more in the
-- 1M full build).
final as (

    select
        model_id,
        account_id,
        score_date,
        is_change_day,
        changed_at,
        case when is_change_day then
            lead(case when is_change_day then score_date end) over (partition by model_id, account_id order by score_date)
        end as next_score_date,
        leads_count,
        best_fit_score,
        lead_engagement_score,
        visit_engagement_score,
        account_engagement_score,
        account_score,
        engaged_leads,
        is_engaged_account,
        is_mqa,
        coalesce(
            is_change_day and is_mqa and not was_mqa_before
            and score_date = min(case when is_change_day and is_mqa then score_date end) over (
                partition by model_id, account_id order by score_date rows between unbounded preceding and unbounded following
            ),
            false
        ) as is_first_mqa
    from with_kept_mqa

)

select * from final
{%- endmacro %}
