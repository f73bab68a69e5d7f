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
-- The stored fingerprints are read without ref() (a cycle otherwise) from
-- int_account_fingerprints, built after the account models: a run that stops part-way restates
-- the same accounts again.
{%- set stored = adapter.get_relation(database=this.database, schema=this.schema, identifier='int_account_fingerprints') -%}
{#- A first run, or a warehouse built before accounts were restated by account: restate all. -#}
{%- set restate_all = flags.FULL_REFRESH or stored is none %}
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

-- Each lead with its fingerprint as one text (the texts are built before they are aggregated:
-- Spark's ordered string aggregate takes a column, not an expression).
account_lead_texts as (

    select
        lead_accounts.account_id,
        {{ dbt.concat(["lead_accounts.lead_id", "'='", "lead_fingerprints.lifecycle_fingerprint"]) }} as lead_text
    from lead_accounts
    inner join lead_fingerprints on lead_fingerprints.lead_id = lead_accounts.lead_id

),

lead_texts as (

    select account_id, {{ dbt.listagg('lead_text', "';'", 'order by lead_text') }} as leads_text
    from account_lead_texts
    group by account_id

),

visit_texts as (

    select account_id, {{ dbt.listagg('visit_text', "';'", 'order by visit_text') }} as visits_text
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

final as (

    {{ leads_with_changed_fingerprints('account_fingerprint', 'needs_restate', stored, restate_all, key='account_id') }}

)

select * from final
