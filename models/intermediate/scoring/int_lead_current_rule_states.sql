-- Every rule that explains a lead's score today (var scoring_as_of_date), in the state it is in
-- today, before decay: one row per scoring model, lead and rule - fit rules that match, required
-- fit rules (gates) that do not, and every engagement rule the lead has a state for or that is a
-- gate. fct_lead_score_explanations adds today's decay on read, and with it which rules are
-- listed and what goes into the remainder row; mart_lead_scores_current sums those points.
--
-- A row changes only on a day one of the lead's rules changes state (an event, a window expiry,
-- a sales rejection), when the lead itself changes, or with the scoring seeds - exactly what
-- int_lead_lifecycle_scope flags. So this table is restated by lead with the lifecycle chain, and
-- the day moving on costs only the decay, computed where the points are read.
--
-- Engagement rows carry the state of the chain that counts for the total score (occurrences and
-- decayed occurrences as of state_date) and the one that counts for the MQL score (the mql_
-- columns): the same state, except under recycle_policy reset_engagement for a lead with a sales
-- rejection, whose MQL chain counts only the events after its latest rejection.
{%- set as_of = scoring_as_of_date() %}
{{ restated_by_lead('int_lead_lifecycle_scope') }}

with

-- Each (model, lead, engagement rule) state on the scoring day, one row per chain.
rule_states as (

    select states.*
    from {{ ref('int_lead_engagement_rule_states') }} as states
    {{ leads_in_scoring_scope('states', 'int_lead_lifecycle_scope') }}
    where states.state_date <= {{ as_of }}
      and (states.next_state_date is null or states.next_state_date > {{ as_of }})

),

engagement_rules as (

    select * from {{ ref('int_engagement_rules') }}

),

-- Leads whose engagement a rejection reset have a second state per rule, counting only for MQL.
mql_only_states as (

    select model_id, lead_id, rule_id, state_date, occurrences_in_window, weighted_occurrences
    from rule_states
    where not counts_for_total

),

engagement_states as (

    select
        rule_states.model_id,
        rule_states.lead_id,
        rule_states.rule_id,
        rule_states.state_date,
        rule_states.occurrences_in_window,
        rule_states.weighted_occurrences,
        {{ rule_holds('rule_states', 'rules') }} as rule_holds,
        case
            when rule_states.counts_for_mql then rule_states.state_date
            else coalesce(mql_only_states.state_date, rule_states.state_date)
        end as mql_state_date,
        case
            when rule_states.counts_for_mql then rule_states.occurrences_in_window
            else coalesce(mql_only_states.occurrences_in_window, 0)
        end as mql_occurrences_in_window,
        case
            when rule_states.counts_for_mql then rule_states.weighted_occurrences
            else coalesce(mql_only_states.weighted_occurrences, 0.0)
        end as mql_weighted_occurrences
    from rule_states
    inner join engagement_rules as rules
        on rules.model_id = rule_states.model_id
        and rules.rule_id = rule_states.rule_id
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

    select fit.model_id, fit.lead_id
    from {{ ref('int_lead_fit_scores') }} as fit
    {{ leads_in_scoring_scope('fit', 'int_lead_lifecycle_scope') }}
    where fit.created_on <= {{ as_of }}

),

leads as (

    select * from {{ ref('stg_raw__leads') }}

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
        cast(null as date) as state_date,
        cast(null as {{ dbt.type_int() }}) as occurrences_in_window,
        cast(null as {{ dbt.type_float() }}) as weighted_occurrences,
        cast(null as date) as mql_state_date,
        cast(null as {{ dbt.type_int() }}) as mql_occurrences_in_window,
        cast(null as {{ dbt.type_float() }}) as mql_weighted_occurrences,
        fit_candidates.points as fit_points,
        fit_rules.is_required_for_mql,
        fit_candidates.rule_holds,
        fit_candidates.rule_holds as holds_for_mql,
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
        cast(null as date) as state_date,
        0 as occurrences_in_window,
        0.0 as weighted_occurrences,
        false as rule_holds,
        cast(null as date) as mql_state_date,
        0 as mql_occurrences_in_window,
        0.0 as mql_weighted_occurrences
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
        states.state_date,
        states.occurrences_in_window,
        states.weighted_occurrences,
        states.rule_holds,
        states.mql_state_date,
        states.mql_occurrences_in_window,
        states.mql_weighted_occurrences
    from engagement_states as states
    inner join scored_leads
        on scored_leads.model_id = states.model_id
        and scored_leads.lead_id = states.lead_id

    union all

    select * from never_matched_gates

),

engagement_rows as (

    select
        engagement.model_id,
        engagement.lead_id,
        'engagement' as rule_kind,
        engagement.rule_id,
        rules.description,
        rules.event_type as matched_on,
        engagement.state_date,
        engagement.occurrences_in_window,
        engagement.weighted_occurrences,
        engagement.mql_state_date,
        engagement.mql_occurrences_in_window,
        engagement.mql_weighted_occurrences,
        cast(null as {{ dbt.type_float() }}) as fit_points,
        rules.is_required_for_mql,
        engagement.rule_holds,
        {{ rule_holds_at('rules', 'engagement.mql_occurrences_in_window') }} as holds_for_mql,
        case when rules.is_required_for_mql or rules.min_count is not null then
            {{ engagement_lead_has('engagement.mql_occurrences_in_window', 'rules', 'resets.mql_engagement_after') }}
        end as lead_has,
        case when rules.is_required_for_mql or rules.min_count is not null then
            {{ engagement_rule_needs('rules') }}
        end as rule_needs
    from engagement_candidates as engagement
    inner join engagement_rules as rules
        on rules.model_id = engagement.model_id
        and rules.rule_id = engagement.rule_id
    left join resets
        on resets.model_id = engagement.model_id
        and resets.lead_id = engagement.lead_id

),

rule_rows as (

    select * from fit_rows
    union all
    select * from engagement_rows

),

final as (

    select
        rule_rows.*,
        resets.mql_engagement_after
    from rule_rows
    left join resets
        on resets.model_id = rule_rows.model_id
        and resets.lead_id = rule_rows.lead_id

)

select * from final
