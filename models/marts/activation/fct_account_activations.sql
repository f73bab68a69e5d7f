-- Account activations: one row per account, action and time it became due, up to the end of the
-- scoring day (var scoring_as_of_date), with the facts that made it due - the account's score, MQA
-- and engaged state and its most engaged leads then - and its name and domain. Point in time: a
-- build for an earlier scoring day gives that day's activations as they were due then. Rules:
-- seed activation_rules with target account (docs/activation.md); how the times are found:
-- int_account_activation_edges.
--
-- A view, like fct_lead_activations: only which rows are due yet and deliverable changes because a
-- day passed. No personal data: the delivery adds the leads' emails when it sends an activation.
{{ config(materialized=view_where_supported()) }}

with

edges as (

    select * from {{ ref('int_account_activation_edges') }}

),

rules as (

    select * from {{ ref('int_activation_rules') }}

),

accounts as (

    select account_id, account_name, account_domain from {{ ref('dim_accounts') }}

),

final as (

    select
        edges.activation_id,
        edges.action_id,
        edges.model_id,
        rules.is_primary_model,
        edges.account_id,
        accounts.account_name,
        accounts.account_domain,
        rules.destination,
        rules.trigger_on,
        edges.due_at,
        edges.due_date,
        edges.mqa_episode,
        edges.account_score,
        edges.is_mqa,
        edges.is_engaged_account,
        edges.engaged_leads,
        edges.leads_count,
        edges.top_engaged_lead_ids,
        {{ activation_is_deliverable('edges.due_date', 'rules.deliver_within_days') }} as is_deliverable,
        {{ scoring_as_of_date() }} as as_of_date
    from edges
    inner join rules on rules.action_id = edges.action_id
    left join accounts on accounts.account_id = edges.account_id
    where edges.due_at < {{ scoring_day_end() }}

)

select * from final
