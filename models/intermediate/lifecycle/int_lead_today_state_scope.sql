-- Whether this run restates the marts of today's state (restated_by_lead_today:
-- mart_lead_scores_current, dim_leads, mart_crm_lead_sync) for every lead, and why - one row for
-- the scoring day (var scoring_as_of_date). Every run rebuilds it, before those marts (they
-- depend on it), from their tables as the previous run left them (read without ref(), a cycle
-- otherwise), with the rule each mart applies to itself (today_state_restatement_reason): when
-- no mart needs a whole restatement, they all recompute only the leads int_lead_lifecycle_scope
-- flags.
--
-- Kept because after the marts are built nothing else tells a same-day run from the first run of
-- a day: their daily data tests, and those of fct_lead_score_explanations, check the flagged
-- leads' rows only when it says no (daily_test_scope_column); otherwise every row changed.
{%- set reasons = [] %}
{%- if execute %}
    {%- for node in graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') | sort(attribute='name') %}
        {%- if node.config.meta.get('daily_test_scope_today_state') and node.config.materialized != 'view' %}
            {%- set reason = today_state_restatement_reason(node.name) %}
            {%- if reason is not none %}{% do reasons.append(reason) %}{% endif %}
        {%- endif %}
    {%- endfor %}
{%- endif %}

with

final as (

    select
        {{ scoring_as_of_date() }} as as_of_date,
        {{ 'true' if reasons else 'false' }} as restates_every_lead,
        {{ "'" ~ (reasons | join('; ')) ~ "'" if reasons else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as restated_because

)

select * from final
