-- Which leads the incremental scoring models recompute in this run.
--
-- Every lead has a fingerprint of everything its score depends on: the scoring configuration
-- (lead_scoring_hash: the scoring seeds, the event mapping and the var scoring_logic_version, not
-- the account scoring settings, which no lead score reads), the lead's attributes, and its events
-- (count, first and latest occurred_at, latest received_at, and the summed length of their types
-- and properties - stg_raw__events.content_length, computed once when an event is staged - which
-- catches most corrections in place; a corrected event that keeps its timestamps and length needs
-- a newer received_at, as CDC exports give it, or --full-refresh). A lead is rescored when its fingerprint differs
-- from the one stored with its scores, so late-arriving events of any age, corrected leads and
-- edited seeds are all picked up without a lookback window; an edited seed changes every
-- fingerprint and so rescores everything. On a first run or --full-refresh every lead is in scope.
--
-- fingerprint_before_run is the same fingerprint over the events staged before this run, and
-- first_staged_on the earliest day of those this run staged (stg_raw__events.staged_at). The
-- account scores use them (int_account_scope): a lead whose fingerprint before this run is the
-- one an account was last restated with changed only on and after first_staged_on.
--
-- The stored fingerprints are read from int_lead_score_changes without ref(), which would be a
-- cycle: they are written only when scores are, so a run that fails half-way is redone in full.
--
-- The event statistics are added up from the events staged since the last run, not from every
-- event (of the others only staged_at is read): the table keeps each lead's statistics
-- (event_count ... event_content_length) and the latest staged_at they count
-- (events_staged_through), and a run combines them with those of the events staged after it
-- (only leads with an event after the scoring day are counted from all their events, for
-- events_through_as_of). That holds while no counted event has left stg_raw__events
-- (macro lead_event_stats_counted_through); a corrected delivery that drops rows, a full
-- restage, --full-refresh, a first run or an engine whose staging is rebuilt whole (Spark) count
-- every event.
{%- set scores = adapter.get_relation(database=this.database, schema=this.schema, identifier='int_lead_score_changes') -%}
{%- set rule_states = adapter.get_relation(database=this.database, schema=this.schema, identifier='int_lead_engagement_rule_states') -%}
{%- set rescore_all = flags.FULL_REFRESH or scores is none or rule_states is none %}
{%- set counted_through = lead_event_stats_counted_through(ref('stg_raw__events')) %}

with

leads as (

    select * from {{ ref('stg_raw__leads') }}

),

events as (

    select * from {{ ref('stg_raw__events') }}

),

config as (

    select lead_scoring_hash from {{ ref('int_scoring_config_fingerprint') }}

),

{%- if counted_through %}

-- The statistics this table holds from the run before (lead_event_stats_counted_through).
counted_stats as (

    select * from {{ this }}

),

-- The events staged after the counted ones (this run's always): the only events read.
new_events as (

    select * from events
    where staged_at > {{ counted_through }} or staged_at = {{ run_staged_at() }}

),
{%- endif %}

{{ 'new_event_stats' if counted_through else 'event_stats' }} as (

    select
        lead_id,
        count(*) as events,
        min(occurred_at) as first_occurred_at,
        max(occurred_at) as last_occurred_at,
        max(received_at) as last_received_at,
        sum(content_length) as content_length,
        -- The same over the events staged before this run (staged_at is null on rows staged
        -- before the column existed): what the fingerprint was before this run's deliveries.
        count(case when not staged_this_run then 1 end) as before_run_events,
        min(case when not staged_this_run then occurred_at end) as before_run_first_occurred_at,
        max(case when not staged_this_run then occurred_at end) as before_run_last_occurred_at,
        max(case when not staged_this_run then received_at end) as before_run_last_received_at,
        sum(case when not staged_this_run then content_length end) as before_run_content_length,
        min(case when staged_this_run then occurred_on end) as first_staged_on,
        -- not part of the fingerprint (the scoring day moving on rescores nobody); read by
        -- int_lead_lifecycle_scope, whose point-in-time models count only these events
        cast(sum(case when occurred_on <= {{ scoring_as_of_date() }} then 1 else 0 end) as {{ dbt.type_bigint() }}) as events_through_as_of
    from (
        select
            events.*,
            coalesce(events.staged_at = {{ run_staged_at() }}, false) as staged_this_run
        from {{ 'new_events' if counted_through else 'events' }} as events
    ) as events
    group by lead_id

),
{%- if counted_through %}

-- Each lead's statistics: the counted ones combined with those of its new events (no counted
-- event has left, so its events are the counted ones and the new ones).
combined_stats as (

    {%- set earliest = "case when counted.{0} is null or added.{1} < counted.{0} then added.{1} else counted.{0} end" %}
    {%- set latest = "case when counted.{0} is null or added.{1} > counted.{0} then added.{1} else counted.{0} end" %}
    {%- set summed = "case when counted.{0} is null then added.{1} when added.{1} is null then counted.{0} else counted.{0} + added.{1} end" %}
    select
        coalesce(counted.lead_id, added.lead_id) as lead_id,
        coalesce(counted.event_count, 0) + coalesce(added.events, 0) as events,
        {{ earliest.format('first_event_at', 'first_occurred_at') }} as first_occurred_at,
        {{ latest.format('last_event_at', 'last_occurred_at') }} as last_occurred_at,
        {{ latest.format('last_event_received_at', 'last_received_at') }} as last_received_at,
        {{ summed.format('event_content_length', 'content_length') }} as content_length,
        coalesce(counted.event_count, 0) + coalesce(added.before_run_events, 0) as before_run_events,
        {{ earliest.format('first_event_at', 'before_run_first_occurred_at') }} as before_run_first_occurred_at,
        {{ latest.format('last_event_at', 'before_run_last_occurred_at') }} as before_run_last_occurred_at,
        {{ latest.format('last_event_received_at', 'before_run_last_received_at') }} as before_run_last_received_at,
        {{ summed.format('event_content_length', 'before_run_content_length') }} as before_run_content_length,
        added.first_staged_on
    from counted_stats as counted
    full outer join new_event_stats as added on added.lead_id = counted.lead_id
    where counted.event_count > 0 or added.lead_id is not null

),

-- events_through_as_of: all of a lead's events unless some fall after the scoring day; those
-- few leads are counted from their events.
later_event_leads as (

    select lead_id from combined_stats
    where cast(last_occurred_at as date) > {{ scoring_as_of_date() }}

),

through_as_of_counts as (

    select lead_id, cast(count(*) as {{ dbt.type_bigint() }}) as events_through_as_of
    from events
    where lead_id in (select lead_id from later_event_leads)
      and occurred_on <= {{ scoring_as_of_date() }}
    group by lead_id

),

event_stats as (

    select
        combined_stats.*,
        case
            when cast(combined_stats.last_occurred_at as date) <= {{ scoring_as_of_date() }}
                then cast(combined_stats.events as {{ dbt.type_bigint() }})
            else coalesce(through_as_of_counts.events_through_as_of, 0)
        end as events_through_as_of
    from combined_stats
    left join through_as_of_counts on through_as_of_counts.lead_id = combined_stats.lead_id

),
{%- endif %}

lead_fingerprints as (

    select
        leads.lead_id,
        {%- for prefix, name in [('', 'scoring_fingerprint'), ('before_run_', 'fingerprint_before_run')] %}
        {%- set fingerprint = dbt.hash(dbt.concat([
            "config.lead_scoring_hash", "'|'",
            "coalesce(cast(leads.created_at as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(cast(leads.company_size as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(leads.industry, '')", "'|'",
            "coalesce(leads.job_title, '')", "'|'",
            "coalesce(leads.country_code, '')", "'|'",
            "coalesce(leads.lead_source, '')", "'|'",
            "coalesce(leads.campaign, '')", "'|'",
            "coalesce(cast(event_stats." ~ prefix ~ "events as " ~ dbt.type_string() ~ "), '0')", "'|'",
            "coalesce(cast(event_stats." ~ prefix ~ "first_occurred_at as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(cast(event_stats." ~ prefix ~ "last_occurred_at as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(cast(event_stats." ~ prefix ~ "content_length as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(cast(event_stats." ~ prefix ~ "last_received_at as " ~ dbt.type_string() ~ "), '')",
        ])) %}
        {%- if prefix %}
        -- The same as the scoring fingerprint unless this run staged some of the lead's events
        -- (first_staged_on: staged events have an occurred_on): hashed only then (most leads get
        -- no event on a day), null otherwise.
        case when event_stats.first_staged_on is not null then {{ fingerprint }} end as {{ name }}_if_staged,
        {%- else %}
        {{ fingerprint }} as {{ name }},
        {%- endif %}
        {%- endfor %}
        event_stats.first_staged_on,
        coalesce(event_stats.events_through_as_of, 0) as events_through_as_of,
        coalesce(event_stats.events, 0) as event_count,
        event_stats.first_occurred_at as first_event_at,
        event_stats.last_occurred_at as last_event_at,
        event_stats.last_received_at as last_event_received_at,
        event_stats.content_length as event_content_length
    from leads
    cross join config
    left join event_stats on event_stats.lead_id = leads.lead_id

),

fingerprints as (

    select
        lead_id,
        scoring_fingerprint,
        coalesce(fingerprint_before_run_if_staged, scoring_fingerprint) as fingerprint_before_run,
        first_staged_on,
        events_through_as_of,
        event_count,
        first_event_at,
        last_event_at,
        last_event_received_at,
        event_content_length,
        -- the latest staged_at the statistics count (lead_event_stats_counted_through)
        (select max(staged_events.staged_at) from {{ ref('stg_raw__events') }} as staged_events) as events_staged_through
    from lead_fingerprints

),

final as (

    {{ leads_with_changed_fingerprints('scoring_fingerprint', 'needs_rescore', scores, rescore_all) }}

)

select * from final
