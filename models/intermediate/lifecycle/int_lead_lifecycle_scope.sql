-- Which leads the models of the lifecycle chain (fct_lead_mql_episodes,
-- int_lead_stage_signals_unioned, int_lead_stage_signals_evaluated, int_lead_stages_summarized,
-- int_lead_funnel_stages, the feedback loop's int_lead_threshold_crossings and
-- int_lead_rule_hits, today's rule states behind the explanations, int_lead_current_rule_states,
-- the activations, int_lead_score_band_spans and int_lead_activation_edges, and - while the
-- scoring day stays the same - the marts of today's state, mart_lead_scores_current, dim_leads and
-- mart_crm_lead_sync: restated_by_lead_today) recompute in this run.
--
-- Those models see a lead's facts up to the scoring day (var scoring_as_of_date). A lead's
-- lifecycle fingerprint holds everything they read: its scoring fingerprint (scoring
-- configuration, attributes, events; int_lead_scoring_scope), the company name and domain
-- dim_leads shows, the lifecycle_stages,
-- company_size_bands, feedback_threshold_offsets, activation_rules and activation_suppressions
-- seeds, its opportunities, and - because the
-- scoring day moves on every day - how many of its events, score changes and opportunity
-- openings and closings fall on or before the scoring day, and whether it exists yet. A lead is
-- restated when its fingerprint differs from the one stored in int_lead_lifecycle_fingerprints:
-- new or corrected facts of any age, a lead whose scheduled score change, sales activity or
-- opportunity the new day reaches, a replay of an earlier day. Everyone else keeps yesterday's
-- rows, which are what a full build would give today. (How long a lead has been in its stage,
-- and whether it is old enough for the feedback loop, also change every day: no table stores
-- them - they are computed where they are read.)
--
-- The stored fingerprints are read without ref() (a cycle otherwise) from
-- int_lead_lifecycle_fingerprints, which is built after every model of the chain: a run that
-- stops part-way redoes the chain's leads.
{%- set stored = adapter.get_relation(database=this.database, schema=this.schema, identifier='int_lead_lifecycle_fingerprints') -%}
{#- A first run, or a warehouse built before the fingerprints had their own table: restate all. -#}
{%- set restate_all = flags.FULL_REFRESH or stored is none %}
{%- set as_of = scoring_as_of_date() %}

with

scoring_scope as (

    select * from {{ ref('int_lead_scoring_scope') }}

),

leads as (

    select lead_id, created_at, company_name, company_domain from {{ ref('stg_raw__leads') }}

),

config_rows as (

    {{ config_rows_text('lifecycle_stages', 'lifecycle_stages') }}
    union all
    {{ config_rows_text('company_size_bands', 'company_size_bands') }}
    union all
    {{ config_rows_text('feedback_threshold_offsets', 'feedback_threshold_offsets') }}
    union all
    {{ config_rows_text('activation_rules', 'activation_rules') }}
    union all
    {{ config_rows_text('activation_suppressions', 'activation_suppressions') }}

),

config as (

    select {{ dbt.hash(dbt.listagg('row_text', "'\\n'", 'order by row_text')) }} as config_hash
    from config_rows

),

score_changes as (

    select
        lead_id,
        sum(case when score_date <= {{ as_of }} then 1 else 0 end) as score_changes_through_as_of
    from {{ ref('int_lead_score_changes') }}
    group by lead_id

),

-- Every opportunity field the lifecycle reads, as one text per lead (leads have few).
opportunity_texts as (

    select
        lead_id,
        {{ dbt.concat([
            "opportunity_id", "'|'",
            "coalesce(cast(created_at as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(cast(closed_at as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(cast(is_won as " ~ dbt.type_string() ~ "), '')", "'|'",
            "case when cast(created_at as date) <= " ~ as_of ~ " then 'opened' else '' end", "'|'",
            "case when cast(closed_at as date) <= " ~ as_of ~ " then 'closed' else '' end",
        ]) }} as opportunity_text
    from {{ ref('stg_raw__opportunities') }}

),

opportunities as (

    select
        lead_id,
        {{ dbt.listagg('opportunity_text', "';'", 'order by opportunity_text') }} as opportunities_text
    from opportunity_texts
    group by lead_id

),

fingerprints as (

    select
        scoring_scope.lead_id,
        {{ dbt.hash(dbt.concat([
            "scoring_scope.scoring_fingerprint", "'|'",
            "config.config_hash", "'|'",
            "case when cast(leads.created_at as date) <= " ~ as_of ~ " then 'created' else '' end", "'|'",
            "coalesce(leads.company_name, '')", "'|'",
            "coalesce(leads.company_domain, '')", "'|'",
            "cast(scoring_scope.events_through_as_of as " ~ dbt.type_string() ~ ")", "'|'",
            "coalesce(cast(score_changes.score_changes_through_as_of as " ~ dbt.type_string() ~ "), '0')", "'|'",
            "coalesce(opportunities.opportunities_text, '')",
        ])) }} as lifecycle_fingerprint
    from scoring_scope
    inner join leads on leads.lead_id = scoring_scope.lead_id
    cross join config
    left join score_changes on score_changes.lead_id = scoring_scope.lead_id
    left join opportunities on opportunities.lead_id = scoring_scope.lead_id

),

final as (

    {{ leads_with_changed_fingerprints('lifecycle_fingerprint', 'needs_restate', stored, restate_all) }}

)

select * from final
