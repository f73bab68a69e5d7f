-- The activations due and deliverable that the delivery log (activation.delivery_log, written by
-- the delivery step after the BI file is published, lead_scoring/activation_delivery.py) does not
-- record as delivered to their destination's outbox: what the next delivery sends. Before the
-- first delivery there is no log and every deliverable activation is queued.
{%- set delivery_log = adapter.get_relation(database=this.database, schema='activation', identifier='delivery_log') %}
{%- set columns = ['activation_id', 'action_id', 'model_id', 'is_primary_model', 'lead_id', 'destination', 'trigger_on',
    'due_at', 'due_date', 'mql_episode', 'lifecycle_stage', 'total_score', 'score_band', 'fit_grade', 'top_reasons',
    'triggering_event_id', 'triggering_event_type', 'triggering_event_at', 'sales_owner', 'is_deliverable', 'as_of_date'] %}
{{ config(materialized=view_where_supported()) }}

with

activations as (

    select * from {{ ref('fct_lead_activations') }}
    where is_deliverable

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
