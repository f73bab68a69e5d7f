-- The activations due and deliverable that the delivery log (activation.delivery_log, written by
-- the delivery step after the BI file is published, lead_scoring/activation_delivery.py) does not
-- record as delivered to their destination's outbox: what the next delivery sends. Before the
-- first delivery there is no log and every deliverable activation is queued.
--
-- Lead activations (fct_lead_activations) and account activations (fct_account_activations) in
-- one queue: target_type says which, target_id names the lead or the account. An account row has
-- no lead facts (lead_id, stage, band ... null); its total_score is the account score.
{%- set delivery_log = adapter.get_relation(database=this.database, schema='activation', identifier='delivery_log') %}
{%- set columns = ['activation_id', 'action_id', 'model_id', 'is_primary_model', 'lead_id', 'destination', 'trigger_on',
    'due_at', 'due_date', 'mql_episode', 'lifecycle_stage', 'total_score', 'score_band', 'fit_grade', 'top_reasons',
    'triggering_event_id', 'triggering_event_type', 'triggering_event_at', 'sales_owner', 'is_deliverable', 'as_of_date',
    'target_type', 'target_id', 'account_id'] %}
{#- The account rows' value of each column (a lead fact an account has not: null of its type). -#}
{%- set account_columns = {
    'lead_id': 'cast(null as ' ~ dbt.type_string() ~ ')',
    'mql_episode': 'cast(null as ' ~ dbt.type_int() ~ ')',
    'lifecycle_stage': 'cast(null as ' ~ dbt.type_string() ~ ')',
    'total_score': 'account_score',
    'score_band': 'cast(null as ' ~ dbt.type_string() ~ ')',
    'fit_grade': 'cast(null as ' ~ dbt.type_string() ~ ')',
    'top_reasons': 'cast(null as ' ~ dbt.type_string() ~ ')',
    'triggering_event_id': 'cast(null as ' ~ dbt.type_string() ~ ')',
    'triggering_event_type': 'cast(null as ' ~ dbt.type_string() ~ ')',
    'triggering_event_at': 'cast(null as ' ~ dbt.type_timestamp() ~ ')',
    'sales_owner': 'cast(null as ' ~ dbt.type_string() ~ ')',
    'target_type': "'account'",
    'target_id': 'account_id',
} %}
{{ config(materialized=view_where_supported()) }}

with

lead_activations as (

    select
        *,
        'lead' as target_type,
        lead_id as target_id,
        cast(null as {{ dbt.type_string() }}) as account_id
    from {{ ref('fct_lead_activations') }}
    where is_deliverable

),

account_activations as (

    select * from {{ ref('fct_account_activations') }}
    where is_deliverable

),

activations as (

    select
        {%- for column in columns %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from lead_activations

    union all

    select
        {%- for column in columns %}
        {{ account_columns.get(column, column) }} as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from account_activations

),

{%- if delivery_log is not none %}

delivered as (

    select distinct activation_id, destination
    from {{ delivery_log }}
    where channel = 'outbox' and status = 'delivered'

),
{%- endif %}

final as (

    select
        {%- for column in columns %}
        activations.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from activations
    {%- if delivery_log is not none %}
    left join delivered
        on delivered.activation_id = activations.activation_id
        and delivered.destination = activations.destination
    where delivered.activation_id is null
    {%- endif %}

)

select * from final
