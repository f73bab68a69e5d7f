-- Which scoring rules each lead (created on or before the scoring day) hit before its outcome:
-- one row per scoring model, lead and rule it hit. An engagement rule is hit when it held (at
-- least one counted occurrence, or min_count for a count rule) on a state that began before the
-- lead first reached opportunity (to date when it never did); a fit rule when it matches the
-- lead's attributes (latest known: the export keeps no attribute history).
--
-- Incremental by lead (int_lead_lifecycle_scope), for every lead: the marts keep the
-- feedback-scope leads (int_lead_feedback_outcomes), so a lead growing old enough for the loop
-- costs no restatement.
{{ restated_by_lead('int_lead_lifecycle_scope') }}

with

leads as (

    select leads.model_id, leads.lead_id, leads.opportunity_reached_at
    from {{ ref('int_lead_funnel_stages') }} as leads
    {{ leads_in_scoring_scope('leads', 'int_lead_lifecycle_scope') }}

),

rule_states as (

    select states.*
    from {{ ref('int_lead_engagement_rule_states') }} as states
    {{ leads_in_scoring_scope('states', 'int_lead_lifecycle_scope') }}

),

engagement_rules as (

    select * from {{ ref('int_engagement_rules') }}

),

fit_matches as (

    select matches.*
    from {{ ref('int_lead_fit_rule_matches') }} as matches
    {{ leads_in_scoring_scope('matches', 'int_lead_lifecycle_scope') }}

),

engagement_hits as (

    select distinct
        states.model_id,
        states.lead_id,
        'engagement' as rule_kind,
        states.rule_id
    from rule_states as states
    inner join engagement_rules as rules
        on rules.model_id = states.model_id
        and rules.rule_id = states.rule_id
    inner join leads
        on leads.model_id = states.model_id
        and leads.lead_id = states.lead_id
    where states.counts_for_total
      and {{ rule_holds('states', 'rules') }}
      and states.state_date <= {{ scoring_as_of_date() }}
      and (
          leads.opportunity_reached_at is null
          or coalesce(states.last_occurred_at, {{ dbt.cast('states.state_date', dbt.type_timestamp()) }}) < leads.opportunity_reached_at
      )

),

fit_hits as (

    select distinct
        fit_matches.model_id,
        fit_matches.lead_id,
        'fit' as rule_kind,
        fit_matches.rule_id
    from fit_matches
    inner join leads
        on leads.model_id = fit_matches.model_id
        and leads.lead_id = fit_matches.lead_id

),

final as (

    select * from engagement_hits
    union all
    select * from fit_hits

)

select * from final
