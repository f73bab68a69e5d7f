-- Why each lead has its current score and why it is or is not an MQL, today (var
-- scoring_as_of_date): one row per scoring model, lead and rule that contributes (fit rules that
-- match, engagement rules with points), every required rule (gate) whether it holds or not, and
-- count rules on their way to min_count - the last two with what the lead has against what the
-- rule needs. Rules decayed below 0.01 points (both points and points_for_mql) are not listed:
-- they add up to one remainder row per lead (rule_kind 'remainder'). So the points of a lead's
-- rows still add up exactly to its total_score in mart_lead_scores_current, and points_for_mql to
-- its mql_score: under recycle_policy reset_engagement only events after the latest sales
-- rejection (mql_engagement_after) count toward the MQL score, fit always does.
{%- set as_of = scoring_as_of_date() %}
{#- Contributions smaller than this (decayed to almost nothing) go into the remainder row. -#}
{%- set smallest_listed_points = 0.01 %}

with

rule_states as (

    {{ lead_rule_points_as_of(as_of) }}

),

-- Leads whose engagement a rejection reset have a second state per rule, counting only for MQL.
mql_only_states as (

    select model_id, lead_id, rule_id, rule_points, rule_holds, occurrences_in_window
    from rule_states
    where not counts_for_total

),

engagement_states as (

    select
        rule_states.model_id,
        rule_states.lead_id,
        rule_states.rule_id,
        rule_states.occurrences_in_window,
        rule_states.weighted_occurrences,
        rule_states.last_change_date,
        rule_states.rule_points as points,
        rule_states.rule_holds,
        case
            when rule_states.counts_for_mql then rule_states.rule_points
            else coalesce(mql_only_states.rule_points, 0.0)
        end as points_for_mql,
        case
            when rule_states.counts_for_mql then rule_states.rule_holds
            else coalesce(mql_only_states.rule_holds, false)
        end as holds_for_mql,
        case
            when rule_states.counts_for_mql then rule_states.occurrences_in_window
            else coalesce(mql_only_states.occurrences_in_window, 0)
        end as occurrences_for_mql
    from rule_states
    left join mql_only_states
        on mql_only_states.model_id = rule_states.model_id
        and mql_only_states.lead_id = rule_states.lead_id
        and mql_only_states.rule_id = rule_states.rule_id
    where rule_states.counts_for_total

),

resets as (

    {{ latest_engagement_resets(as_of) }}

),

-- Every lead scored today under every model (as mart_lead_scores_current).
scored_leads as (

    select model_id, lead_id
    from {{ ref('int_lead_fit_scores') }}
    where created_on <= {{ as_of }}

),

leads as (

    select * from {{ ref('stg_raw__leads') }}

),

engagement_rules as (

    select * from {{ ref('int_engagement_rules') }}

),

fit_rule_values as (

    select * from {{ ref('int_fit_rules') }}

),

-- One row per fit rule, its values joined for the words of rule_needs.
fit_rules as (

    select
        model_id,
        rule_id,
        max(description) as description,
        max(attribute) as attribute,
        max(operator) as operator,
        max(min_value) as min_value,
        max(max_value) as max_value,
        {{ dbt.listagg('match_value', "', '", 'order by match_value') }} as match_values,
        max(case when is_required_for_mql then 1 else 0 end) = 1 as is_required_for_mql
    from fit_rule_values
    group by model_id, rule_id

),

fit_matches as (

    select * from {{ ref('int_lead_fit_rule_matches') }}

),

-- Fit rules that match, and required fit rules that do not (zero points, failing).
fit_candidates as (

    select
        fit_matches.model_id,
        fit_matches.lead_id,
        fit_matches.rule_id,
        fit_matches.points,
        true as rule_holds
    from fit_matches
    inner join scored_leads
        on scored_leads.model_id = fit_matches.model_id
        and scored_leads.lead_id = fit_matches.lead_id

    union all

    select
        scored_leads.model_id,
        scored_leads.lead_id,
        fit_rules.rule_id,
        0.0 as points,
        false as rule_holds
    from scored_leads
    inner join fit_rules
        on fit_rules.model_id = scored_leads.model_id
        and fit_rules.is_required_for_mql
    left join fit_matches
        on fit_matches.model_id = scored_leads.model_id
        and fit_matches.lead_id = scored_leads.lead_id
        and fit_matches.rule_id = fit_rules.rule_id
    where fit_matches.rule_id is null

),

fit_rows as (

    select
        fit_candidates.model_id,
        fit_candidates.lead_id,
        'fit' as rule_kind,
        fit_candidates.rule_id,
        fit_rules.description,
        fit_rules.attribute as matched_on,
        cast(null as {{ dbt.type_int() }}) as occurrences_in_window,
        cast(null as {{ dbt.type_float() }}) as weighted_occurrences,
        cast(null as {{ dbt.type_int() }}) as window_days,
        cast(null as {{ dbt.type_float() }}) as half_life_days,
        cast(null as {{ dbt.type_float() }}) as max_points,
        cast(null as date) as last_change_date,
        fit_candidates.points,
        fit_candidates.points as points_for_mql,
        fit_rules.is_required_for_mql,
        fit_candidates.rule_holds,
        fit_candidates.rule_holds as holds_for_mql,
        cast(null as {{ dbt.type_int() }}) as min_count,
        cast(null as {{ dbt.type_int() }}) as occurrences_for_mql,
        {{ fit_lead_has('fit_rules', 'leads') }} as lead_has,
        {{ fit_rule_needs('fit_rules') }} as rule_needs
    from fit_candidates
    inner join fit_rules
        on fit_rules.model_id = fit_candidates.model_id
        and fit_rules.rule_id = fit_candidates.rule_id
    inner join leads on leads.lead_id = fit_candidates.lead_id

),

-- Required engagement rules the lead never had a matching event for: no state, nothing counted.
never_matched_gates as (

    select
        scored_leads.model_id,
        scored_leads.lead_id,
        engagement_rules.rule_id,
        0 as occurrences_in_window,
        0.0 as weighted_occurrences,
        cast(null as date) as last_change_date,
        0.0 as points,
        false as rule_holds,
        0.0 as points_for_mql,
        false as holds_for_mql,
        0 as occurrences_for_mql
    from scored_leads
    inner join engagement_rules
        on engagement_rules.model_id = scored_leads.model_id
        and engagement_rules.is_required_for_mql
    left join engagement_states
        on engagement_states.model_id = scored_leads.model_id
        and engagement_states.lead_id = scored_leads.lead_id
        and engagement_states.rule_id = engagement_rules.rule_id
    where engagement_states.rule_id is null

),

engagement_candidates as (

    select
        states.model_id,
        states.lead_id,
        states.rule_id,
        states.occurrences_in_window,
        states.weighted_occurrences,
        states.last_change_date,
        states.points,
        states.rule_holds,
        states.points_for_mql,
        states.holds_for_mql,
        states.occurrences_for_mql
    from engagement_states as states
    inner join scored_leads
        on scored_leads.model_id = states.model_id
        and scored_leads.lead_id = states.lead_id

    union all

    select * from never_matched_gates

),

-- Listed: gates, count rules with occurrences in the window (points or progress toward
-- min_count) and rules with at least 0.01 points; the rest with points goes into the remainder.
engagement_classified as (

    select
        candidates.*,
        rules.description,
        rules.event_type,
        rules.window_days,
        rules.half_life_days,
        rules.max_points,
        rules.min_count,
        rules.is_required_for_mql,
        (
            rules.is_required_for_mql
            or (rules.min_count is not null and candidates.occurrences_in_window > 0)
            or abs(candidates.points) >= {{ smallest_listed_points }}
            or abs(candidates.points_for_mql) >= {{ smallest_listed_points }}
        ) as is_listed
    from engagement_candidates as candidates
    inner join engagement_rules as rules
        on rules.model_id = candidates.model_id
        and rules.rule_id = candidates.rule_id

),

engagement_rows as (

    select
        engagement.model_id,
        engagement.lead_id,
        'engagement' as rule_kind,
        engagement.rule_id,
        engagement.description,
        engagement.event_type as matched_on,
        engagement.occurrences_in_window,
        engagement.weighted_occurrences,
        engagement.window_days,
        engagement.half_life_days,
        engagement.max_points,
        engagement.last_change_date,
        engagement.points,
        engagement.points_for_mql,
        engagement.is_required_for_mql,
        engagement.rule_holds,
        engagement.holds_for_mql,
        engagement.min_count,
        engagement.occurrences_for_mql,
        case when engagement.is_required_for_mql or engagement.min_count is not null then
            {{ engagement_lead_has('engagement.occurrences_for_mql', 'engagement', 'resets.mql_engagement_after') }}
        end as lead_has,
        case when engagement.is_required_for_mql or engagement.min_count is not null then
            {{ engagement_rule_needs('engagement') }}
        end as rule_needs
    from engagement_classified as engagement
    left join resets
        on resets.model_id = engagement.model_id
        and resets.lead_id = engagement.lead_id
    where engagement.is_listed

),

remainders as (

    select
        model_id,
        lead_id,
        count(*) as rules,
        sum(points) as points,
        sum(points_for_mql) as points_for_mql
    from engagement_classified
    where not is_listed
      and (points != 0 or points_for_mql != 0)
    group by model_id, lead_id

),

remainder_rows as (

    select
        model_id,
        lead_id,
        'remainder' as rule_kind,
        'older_contributions' as rule_id,
        'Older contributions: ' || cast(rules as {{ dbt.type_string() }})
            || case when rules = 1 then ' rule' else ' rules' end
            || ' decayed below {{ smallest_listed_points }} points each' as description,
        cast(null as {{ dbt.type_string() }}) as matched_on,
        cast(null as {{ dbt.type_int() }}) as occurrences_in_window,
        cast(null as {{ dbt.type_float() }}) as weighted_occurrences,
        cast(null as {{ dbt.type_int() }}) as window_days,
        cast(null as {{ dbt.type_float() }}) as half_life_days,
        cast(null as {{ dbt.type_float() }}) as max_points,
        cast(null as date) as last_change_date,
        points,
        points_for_mql,
        false as is_required_for_mql,
        cast(null as {{ dbt.type_boolean() }}) as rule_holds,
        cast(null as {{ dbt.type_boolean() }}) as holds_for_mql,
        cast(null as {{ dbt.type_int() }}) as min_count,
        cast(null as {{ dbt.type_int() }}) as occurrences_for_mql,
        cast(null as {{ dbt.type_string() }}) as lead_has,
        cast(null as {{ dbt.type_string() }}) as rule_needs
    from remainders

),

rule_rows as (

    select * from fit_rows
    union all
    select * from engagement_rows
    union all
    select * from remainder_rows

),

final as (

    select
        rule_rows.model_id,
        rule_rows.lead_id,
        rule_rows.rule_kind,
        rule_rows.rule_id,
        rule_rows.description,
        rule_rows.matched_on,
        rule_rows.occurrences_in_window,
        rule_rows.weighted_occurrences,
        rule_rows.window_days,
        rule_rows.half_life_days,
        rule_rows.max_points,
        rule_rows.last_change_date,
        rule_rows.points,
        rule_rows.points_for_mql,
        rule_rows.is_required_for_mql,
        rule_rows.rule_holds,
        rule_rows.holds_for_mql,
        resets.mql_engagement_after,
        rule_rows.min_count,
        rule_rows.occurrences_for_mql,
        rule_rows.is_required_for_mql and not coalesce(rule_rows.holds_for_mql, false) as is_blocking_mql,
        rule_rows.lead_has,
        rule_rows.rule_needs
    from rule_rows
    left join resets
        on resets.model_id = rule_rows.model_id
        and resets.lead_id = rule_rows.lead_id

)

select * from final
