-- Which accounts the models restated by account (int_account_score_days and
-- int_account_activation_edges) recompute in this run: one row per account with a lead or an
-- identified visit, its account fingerprint and needs_restate.
--
-- An account's fingerprint holds everything those models read for it: the scoring configuration
-- with the account scoring settings (config_hash of int_scoring_config_fingerprint) and the
-- activation seeds; which leads it has and each one's lifecycle fingerprint
-- (int_lead_lifecycle_scope: the lead's scoring inputs, opportunities, whether it exists yet and
-- how many of its score changes fall on or before the scoring day); its visits up to the scoring
-- day; and - because the scoring day moves - how many of its visit days plus a page_view rule's
-- window fall on or before it (a visit leaving a window is a change day). An account is restated
-- when its fingerprint differs from the one stored in int_account_fingerprints: a lead's new
-- events or score change, a lead that joins or leaves it, new or corrected visits, a settings
-- edit. Its row for today moves with the scoring day for every account and is rewritten on every
-- run.
--
-- restate_from: the day from which a restated account's change days are recomputed (empty: its
-- whole history). An account's history fingerprint holds what its change days read up to a day:
-- the configuration, its leads with their scoring fingerprints (int_lead_scoring_scope) and its
-- visits. When the one computed with each lead's fingerprint before this run and the visits up to
-- the day the account was last restated through equals the one stored then, nothing before that
-- day changed but the events this run staged: the account is recomputed from the earlier of the
-- day after it and its leads' first_staged_on, moved back to the change day before it (that row's
-- next change day may move). Anything else - a lead that joined or left, a corrected lead or
-- visit, a seed edit, events restaged or staged by a run that stopped before the accounts, a
-- scoring day moved back - restates the whole history.
--
-- The stored fingerprints are read without ref() (a cycle otherwise) from
-- int_account_fingerprints, built after the account models: a run that stops part-way restates
-- the same accounts again. The stored change days are read the same way from
-- int_account_score_days, before this run rewrites them.
{%- set stored = adapter.get_relation(database=this.database, schema=this.schema, identifier='int_account_fingerprints') -%}
{%- set stored_days = adapter.get_relation(database=this.database, schema=this.schema, identifier='int_account_score_days') -%}
{#- A first run, or a warehouse built before accounts were restated by account: restate all. -#}
{%- set restate_all = flags.FULL_REFRESH or stored is none %}
{#- A warehouse whose stored fingerprints predate the history fingerprint restates whole once; an
    engine whose account models are tables rebuilt in full (Spark) needs no restate_from. -#}
{%- set stored_columns = adapter.get_columns_in_relation(stored) | map(attribute='name') | map('lower') | list if execute and stored is not none else [] %}
{%- set restate_from_stored = not restate_all and stored_days is not none and 'history_fingerprint' in stored_columns
    and incremental_where_supported() == 'incremental' %}
{%- set as_of = scoring_as_of_date() %}

with

lead_accounts as (

    select lead_id, account_id from {{ ref('int_lead_accounts') }}

),

lead_fingerprints as (

    select lead_id, lifecycle_fingerprint from {{ ref('int_lead_lifecycle_scope') }}

),

-- The activation seeds the account activations read (the leads' lifecycle fingerprints hold them
-- too, but an account known only from its visits has no lead).
activation_config_rows as (

    {{ config_rows_text('activation_rules', 'activation_rules') }}
    union all
    {{ config_rows_text('activation_suppressions', 'activation_suppressions') }}

),

activation_config as (

    select {{ dbt.hash(dbt.listagg('row_text', "'\\n'", 'order by row_text')) }} as activation_config_hash
    from activation_config_rows

),

config as (

    select {{ dbt.concat(["scoring.config_hash", "'|'", "activation_config.activation_config_hash"]) }} as config_hash
    from {{ ref('int_scoring_config_fingerprint') }} as scoring
    cross join activation_config

),

visits as (

    select
        account_id,
        visited_on,
        {{ dbt.concat([
            "visit_id", "'|'",
            "cast(visited_at as " ~ dbt.type_string() ~ ")", "'|'",
            "coalesce(page_url, '')",
        ]) }} as visit_text
    from {{ ref('int_account_visits') }}
    where visited_on <= {{ as_of }}

),

-- The window lengths of the rules that score visits (page_view); a visit day plus any of them is
-- a day the account's score may change.
visit_windows as (

    select distinct window_days
    from {{ ref('int_engagement_rules') }}
    where event_type = 'page_view' and window_days is not null

),

-- Each lead with its fingerprint as one text; an account's leads and its visits are each
-- summed up by unordered_texts_hash (a set of texts: no sort of every account's texts).
account_lead_texts as (

    select
        lead_accounts.account_id,
        {{ dbt.concat(["lead_accounts.lead_id", "'='", "lead_fingerprints.lifecycle_fingerprint"]) }} as lead_text
    from lead_accounts
    inner join lead_fingerprints on lead_fingerprints.lead_id = lead_accounts.lead_id

),

lead_texts as (

    select account_id, {{ unordered_texts_hash('lead_text') }} as leads_text
    from account_lead_texts
    group by account_id

),

visit_texts as (

    select account_id, {{ unordered_texts_hash('visit_text') }} as visits_text
    from visits
    group by account_id

),

window_exits as (

    select visit_days.account_id, count(*) as window_exits_through_as_of
    from (select distinct account_id, visited_on from visits) as visit_days
    cross join visit_windows
    where cast({{ dbt.dateadd('day', 'visit_windows.window_days', 'visit_days.visited_on') }} as date) <= {{ as_of }}
    group by visit_days.account_id

),

accounts as (

    select account_id from lead_texts
    union
    select account_id from visit_texts

),

fingerprints as (

    select
        accounts.account_id,
        {{ dbt.hash(dbt.concat([
            "config.config_hash", "'|'",
            "coalesce(lead_texts.leads_text, '')", "'|'",
            "coalesce(visit_texts.visits_text, '')", "'|'",
            "coalesce(cast(window_exits.window_exits_through_as_of as " ~ dbt.type_string() ~ "), '0')",
        ])) }} as account_fingerprint
    from accounts
    cross join config
    left join lead_texts on lead_texts.account_id = accounts.account_id
    left join visit_texts on visit_texts.account_id = accounts.account_id
    left join window_exits on window_exits.account_id = accounts.account_id

),

flagged as (

    {{ leads_with_changed_fingerprints('account_fingerprint', 'needs_restate', stored, restate_all, key='account_id') }}

),

-- The leads of the accounts this run restates, with their scoring fingerprints now and (where
-- restate_from is worked out) before this run.
restated_leads as (

    select
        lead_accounts.account_id,
        {{ dbt.concat(["lead_accounts.lead_id", "'='", "lead_scopes.scoring_fingerprint"]) }} as lead_text
        {%- if restate_from_stored %},
        {{ dbt.concat(["lead_accounts.lead_id", "'='", "lead_scopes.fingerprint_before_run"]) }} as lead_text_before_run,
        lead_scopes.first_staged_on
        {%- endif %}
    from lead_accounts
    inner join flagged on flagged.account_id = lead_accounts.account_id and flagged.needs_restate
    inner join {{ ref('int_lead_scoring_scope') }} as lead_scopes on lead_scopes.lead_id = lead_accounts.lead_id

),

restated_lead_texts as (

    select
        account_id,
        {{ unordered_texts_hash('lead_text') }} as leads_text
        {%- if restate_from_stored %},
        {{ unordered_texts_hash('lead_text_before_run') }} as leads_text_before_run,
        min(first_staged_on) as first_staged_on
        {%- endif %}
    from restated_leads
    group by account_id

),

history as (

    select
        flagged.account_id,
        {{ dbt.hash(dbt.concat([
            "config.config_hash", "'|'",
            "coalesce(restated_lead_texts.leads_text, '')", "'|'",
            "coalesce(visit_texts.visits_text, '')",
        ])) }} as history_fingerprint
        {%- if restate_from_stored %},
        restated_lead_texts.leads_text_before_run,
        restated_lead_texts.first_staged_on
        {%- endif %}
    from flagged
    cross join config
    left join restated_lead_texts on restated_lead_texts.account_id = flagged.account_id
    left join visit_texts on visit_texts.account_id = flagged.account_id
    where flagged.needs_restate

),
{%- if restate_from_stored %}

stored_history as (

    select account_id, history_fingerprint, fingerprinted_through
    from {{ stored }}
    where history_fingerprint is not null

),

-- The restated accounts' visits up to the day each was last restated through.
visit_texts_then as (

    select visits.account_id, {{ unordered_texts_hash('visits.visit_text') }} as visits_text
    from visits
    inner join history on history.account_id = visits.account_id
    inner join stored_history on stored_history.account_id = visits.account_id
    where visits.visited_on <= stored_history.fingerprinted_through
    group by visits.account_id

),

-- The day from which an account whose history before this run is unchanged is recomputed.
changed_from as (

    select
        history.account_id,
        case
            when history.first_staged_on is not null and history.first_staged_on <= stored_history.fingerprinted_through
                then history.first_staged_on
            else cast({{ dbt.dateadd('day', 1, 'stored_history.fingerprinted_through') }} as date)
        end as changed_from
    from history
    cross join config
    inner join stored_history on stored_history.account_id = history.account_id
    left join visit_texts_then on visit_texts_then.account_id = history.account_id
    where stored_history.fingerprinted_through <= {{ as_of }}
      and stored_history.history_fingerprint = {{ dbt.hash(dbt.concat([
            "config.config_hash", "'|'",
            "coalesce(history.leads_text_before_run, '')", "'|'",
            "coalesce(visit_texts_then.visits_text, '')",
        ])) }}

),

-- Each scoring model's last stored change day before that day; the earliest of them is where
-- the recomputation starts, so that the row before the first changed day gets its new next
-- change day.
last_kept_days as (

    select changed_from.account_id, stored_days.model_id, max(stored_days.score_date) as last_kept_day
    from {{ stored_days }} as stored_days
    inner join changed_from on changed_from.account_id = stored_days.account_id
    where stored_days.is_change_day and stored_days.score_date < changed_from.changed_from
    group by changed_from.account_id, stored_days.model_id

),

restate_from as (

    select
        changed_from.account_id,
        case
            when min(last_kept_days.last_kept_day) is not null then min(last_kept_days.last_kept_day)
            else changed_from.changed_from
        end as restate_from
    from changed_from
    left join last_kept_days on last_kept_days.account_id = changed_from.account_id
    group by changed_from.account_id, changed_from.changed_from

),
{%- endif %}

final as (

    select
        flagged.account_id,
        flagged.account_fingerprint,
        history.history_fingerprint,
        flagged.needs_restate,
        {% if restate_from_stored -%}
        restate_from.restate_from
        {%- else -%}
        cast(null as date) as restate_from
        {%- endif %}
    from flagged
    left join history on history.account_id = flagged.account_id
    {%- if restate_from_stored %}
    left join restate_from on restate_from.account_id = flagged.account_id
    {%- endif %}

)

select * from final
