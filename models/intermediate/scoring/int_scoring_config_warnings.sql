-- Edits of the scoring seeds that cannot take effect or look like mistakes, one row each (seed,
-- row, column, warning). Unlike int_scoring_config_problems they do not stop a run:
-- `lead-scoring validate` lists them beside the problems, and the summary counts them.
--   from the seeds alone: points above max_points; a count rule whose min_count its max_per_day
--   and window cannot reach; a threshold or cut-off above the highest score a lead can reach;
--   from the warehouse (the last rule_checks_lookback_days days up to the scoring day): an
--   engagement rule no event matched (with a property condition: no event has that value), a fit
--   rule no recent lead matches, a gate (the required rules of a model) no active lead passes.
{%- set as_of = scoring_as_of_date() %}
{%- set lookback_days = var('rule_checks_lookback_days', 90) %}
{%- set window_start = dbt.dateadd('day', -1 * lookback_days, dbt.cast(as_of, dbt.type_timestamp())) %}

with

models as (

    select * from {{ ref('int_scoring_models') }}

),

-- One row per rule and match value.
fit_rule_values as (

    select * from {{ ref('int_fit_rules') }}

),

engagement_rules as (

    select * from {{ ref('int_engagement_rules') }}

),

-- Var rule_checks_read_warehouse false (`lead-scoring validate` before the first run): no
-- events and no leads, so only the seed checks run.
events as (

    {%- if var('rule_checks_read_warehouse', true) %}
    select lead_id, event_type, occurred_at, occurred_on, page_url, content_type, newsletter, form_id, properties
    from {{ ref('stg_raw__events') }}
    where occurred_at >= {{ window_start }}
      and occurred_at < {{ scoring_day_end() }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as lead_id, cast(null as {{ dbt.type_string() }}) as event_type,
        cast(null as {{ dbt.type_timestamp() }}) as occurred_at, cast(null as date) as occurred_on,
        cast(null as {{ dbt.type_string() }}) as page_url, cast(null as {{ dbt.type_string() }}) as content_type,
        cast(null as {{ dbt.type_string() }}) as newsletter, cast(null as {{ dbt.type_string() }}) as form_id,
        cast(null as {{ dbt.type_string() }}) as properties
    where 1 = 0
    {%- endif %}

),

-- Leads created in the window or with an event in it: the leads a rule or gate is checked on.
active_leads as (

    {%- if var('rule_checks_read_warehouse', true) %}
    select leads.lead_id, leads.company_size, leads.industry, leads.job_title, leads.country_code, leads.lead_source, leads.campaign
    from {{ ref('stg_raw__leads') }} as leads
    where leads.created_at >= {{ window_start }}
      and leads.created_at < {{ scoring_day_end() }}
      or leads.lead_id in (select events.lead_id from events)
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as lead_id, cast(null as {{ dbt.type_int() }}) as company_size,
        cast(null as {{ dbt.type_string() }}) as industry, cast(null as {{ dbt.type_string() }}) as job_title,
        cast(null as {{ dbt.type_string() }}) as country_code, cast(null as {{ dbt.type_string() }}) as lead_source,
        cast(null as {{ dbt.type_string() }}) as campaign
    where 1 = 0
    {%- endif %}

),

fit_rules as (

    select model_id, rule_id, max(points) as points, max(case when is_required_for_mql then 1 else 0 end) = 1 as is_required_for_mql
    from fit_rule_values
    group by model_id, rule_id

),

fit_ceilings as (

    select model_id, sum(case when points > 0 then points else 0 end) as max_fit_score
    from fit_rules
    group by model_id

),

engagement_ceilings as (

    select
        model_id,
        sum(case when points > 0 then max_points else 0 end) as max_engagement_score,
        count(case when points > 0 and max_points is null then 1 end) as uncapped_rules
    from engagement_rules
    group by model_id

),

-- The highest score each model allows: every positive fit rule, and every positive engagement
-- rule at its max_points (unbounded when such a rule has none).
score_ceilings as (

    select
        models.model_id,
        models.mql_threshold,
        models.fit_grade_c_min,
        models.engagement_level_3_min,
        coalesce(fit.max_fit_score, 0) as max_fit_score,
        case when coalesce(engagement.uncapped_rules, 0) = 0 then coalesce(engagement.max_engagement_score, 0) end as max_engagement_score
    from models
    left join fit_ceilings as fit on fit.model_id = models.model_id
    left join engagement_ceilings as engagement on engagement.model_id = models.model_id

),

seed_warnings as (

    select 'scoring_engagement_rules' as seed_name, model_id, rule_id, 'points' as column_name,
        'points ' || {{ number_text('points') }} || ' exceed max_points ' || {{ number_text('max_points') }}
        || ': the rule never gives more than ' || {{ number_text('max_points') }} || ', raise max_points too' as warning
    from engagement_rules
    where points > max_points

    union all

    select 'scoring_engagement_rules' as seed_name, model_id, rule_id, 'min_count' as column_name,
        'min_count ' || cast(min_count as {{ dbt.type_string() }}) || ' can never be reached: at most max_per_day x window_days = '
        || cast(max_per_day * window_days as {{ dbt.type_string() }}) || ' occurrences count' as warning
    from engagement_rules
    -- A required rule that can never hold is an error (int_scoring_config_problems).
    where min_count > max_per_day * window_days
      and not is_required_for_mql

    union all

    select 'scoring_models' as seed_name, model_id, null as rule_id, 'mql_threshold' as column_name,
        'mql_threshold ' || {{ number_text('mql_threshold') }} || ' is above the highest score a lead can reach ('
        || {{ number_text('max_fit_score + max_engagement_score') }} || '): no lead can become an MQL' as warning
    from score_ceilings
    where mql_threshold > max_fit_score + max_engagement_score

    union all

    select 'scoring_models' as seed_name, model_id, null as rule_id, 'fit_grade_c_min' as column_name,
        'fit_grade_c_min ' || {{ number_text('fit_grade_c_min') }} || ' is above the highest fit score ('
        || {{ number_text('max_fit_score') }} || '): every lead gets fit grade D' as warning
    from score_ceilings
    where fit_grade_c_min > max_fit_score

    union all

    select 'scoring_models' as seed_name, model_id, null as rule_id, 'engagement_level_3_min' as column_name,
        'engagement_level_3_min ' || {{ number_text('engagement_level_3_min') }} || ' is above the highest engagement score ('
        || {{ number_text('max_engagement_score') }} || '): every lead gets engagement level 4' as warning
    from score_ceilings
    where engagement_level_3_min > max_engagement_score

),

-- The events of the window each engagement rule matches.
rule_matches as (

    select
        rules.model_id,
        rules.rule_id,
        rules.min_count,
        rules.max_per_day,
        rules.is_required_for_mql,
        events.lead_id,
        events.occurred_on
    from engagement_rules as rules
    inner join events
        on events.event_type = rules.event_type
        and {{ event_matches_rule('rules', 'events') }}

),

-- Whether any event of the window matches the rule's event type and property at all. A rule
-- without min_count holds for a lead with one counted occurrence, so for it this is also whether
-- some lead holds it: only count rules and gates are counted lead by lead below (grouping every
-- match by lead and day, and every fit match by lead, cost about 3 of its 8 CPU s at 1M leads).
rule_events as (

    select distinct model_id, rule_id
    from rule_matches

),

-- Occurrences of each count rule and gate in the window per lead and day, after the daily cap.
rule_occurrences as (

    select
        model_id,
        rule_id,
        min_count,
        lead_id,
        occurred_on,
        case when max_per_day < count(*) then max_per_day else count(*) end as counted_occurrences
    from rule_matches
    where min_count is not null or is_required_for_mql
    group by model_id, rule_id, min_count, max_per_day, lead_id, occurred_on

),

-- The active leads each fit rule matches (one row per rule value matched).
fit_matches as (

    select rules.model_id, rules.rule_id, rules.is_required_for_mql, leads.lead_id
    from fit_rule_values as rules
    cross join active_leads as leads
    where {{ fit_rule_matches('rules', 'leads') }}

),

-- The leads that hold each count rule and gate in the window: engagement up to min_count (1 for
-- a gate without one), fit on the lead's attributes.
rule_holders as (

    select model_id, rule_id, lead_id
    from rule_occurrences
    group by model_id, rule_id, lead_id
    having sum(counted_occurrences) >= coalesce(max(min_count), 1)

    union all

    select distinct model_id, rule_id, lead_id
    from fit_matches
    where is_required_for_mql

),

-- The rules some lead holds in the window: a fit rule some active lead matches, an engagement
-- rule without min_count some event matches, a count rule some lead reaches min_count of.
held_rules as (

    select distinct model_id, rule_id
    from fit_matches

    union

    select rule_events.model_id, rule_events.rule_id
    from rule_events
    inner join engagement_rules as rules
        on rules.model_id = rule_events.model_id
        and rules.rule_id = rule_events.rule_id
    where rules.min_count is null

    union

    select holders.model_id, holders.rule_id
    from rule_holders as holders
    inner join engagement_rules as rules
        on rules.model_id = holders.model_id
        and rules.rule_id = holders.rule_id
    where rules.min_count is not null

),

rule_activity as (

    select
        rules.model_id,
        rules.rule_kind,
        rules.rule_id,
        rules.event_type,
        rules.property_key,
        rules.property_operator,
        rules.property_value,
        rules.min_count,
        rules.is_required_for_mql,
        held_rules.rule_id is not null as is_held
    from (
        select model_id, 'engagement' as rule_kind, rule_id, event_type, property_key, property_operator, property_value, min_count,
            is_required_for_mql
        from engagement_rules
        union all
        select model_id, 'fit' as rule_kind, rule_id, null as event_type, null as property_key, null as property_operator,
            null as property_value, null as min_count, is_required_for_mql
        from fit_rules
    ) as rules
    left join held_rules
        on held_rules.model_id = rules.model_id
        and held_rules.rule_id = rules.rule_id

),

gates as (

    select model_id, count(*) as required_rules, {{ dbt.listagg('rule_id', "', '", 'order by rule_id') }} as required_rule_ids
    from rule_activity
    where is_required_for_mql
    group by model_id

),

gate_passes as (

    select passes.model_id, count(*) as passing_leads
    from (
        select holders.model_id, holders.lead_id, count(distinct holders.rule_id) as required_rules_held
        from rule_holders as holders
        inner join rule_activity as rules
            on rules.model_id = holders.model_id
            and rules.rule_id = holders.rule_id
        where rules.is_required_for_mql
        group by holders.model_id, holders.lead_id
    ) as passes
    inner join gates on gates.model_id = passes.model_id
    where passes.required_rules_held = gates.required_rules
    group by passes.model_id

),

warehouse_warnings as (

    select
        case when rules.rule_kind = 'fit' then 'scoring_fit_rules' else 'scoring_engagement_rules' end as seed_name,
        rules.model_id,
        rules.rule_id,
        case
            when rules.rule_kind = 'fit' then 'match_values'
            when events.rule_id is not null then 'min_count'
            when rules.property_key is not null then 'property_value'
            else 'event_type'
        end as column_name,
        case
            when rules.rule_kind = 'fit'
                then 'no lead of the last {{ lookback_days }} days matches this rule'
            when rules.property_key is not null and events.rule_id is null
                then 'no ' || rules.event_type || ' event of the last {{ lookback_days }} days has ' || rules.property_key || ' '
                    || rules.property_operator || ' ''' || rules.property_value || ''': check the value'
            when events.rule_id is null
                then 'no ' || rules.event_type || ' event in the last {{ lookback_days }} days: the rule matched nothing'
            else 'no lead reached min_count ' || cast(rules.min_count as {{ dbt.type_string() }}) || ' in the last {{ lookback_days }} days'
        end as warning
    from rule_activity as rules
    left join rule_events as events
        on events.model_id = rules.model_id
        and events.rule_id = rules.rule_id
    where not rules.is_held

    union all

    select 'scoring_models' as seed_name, gates.model_id, null as rule_id, 'required_for_mql' as column_name,
        'no lead of the last {{ lookback_days }} days passes the gate (required rules: ' || gates.required_rule_ids
        || '): the model cannot make MQLs' as warning
    from gates
    left join gate_passes on gate_passes.model_id = gates.model_id
    where gate_passes.passing_leads is null

),

-- A warehouse with no event in the window (a new install, an old export) says nothing about rules.
final as (

    select seed_name, model_id, rule_id, column_name, warning, 'seeds' as checked_on
    from seed_warnings
    union all
    select seed_name, model_id, rule_id, column_name, warning, 'warehouse' as checked_on
    from warehouse_warnings
    where exists (select 1 from events)

)

select * from final
