-- Speed to lead per month of the MQL: one row per scoring model, month, and slice - all, the
-- channel, or the sales owner of the first attempt ('no attempt' when there was none) - with the
-- MQL entries, their SLA status, the share within the SLA (met / decided, pending left out), and
-- P50 / P95 hours to the first attempt and median hours to the first contact (of the entries
-- that got one). A month is immature while its last MQLs' SLA hours can still run out.

{#- The funnel's channel slice (var funnel_slices), and the sales owner of the first attempt. -#}
{%- set channel_slices = [] %}
{%- for slice_name, column in funnel_slices() if slice_name == 'channel' %}{% do channel_slices.append((slice_name, column)) %}{% endfor %}
{%- set owner_slices = [('sales_owner', 'attempt_owner')] %}
{%- set slices = channel_slices + owner_slices %}

with

speed as (

    select * from {{ ref('fct_mql_speed_to_lead') }}

),

leads as (

    select * from {{ ref('int_lead_funnel_stages') }}

),

settings as (

    select * from {{ ref('int_funnel_settings') }}

),

owned as (

    select speed.*, coalesce(speed.sales_owner, 'no attempt') as attempt_owner
    from speed

),

-- Each MQL entry with its slice values: its lead's channel, and the sales owner of the first
-- attempt.
sliced as (

    select owned.*
        {{- funnel_slice_columns('leads', channel_slices) }}
        {{- funnel_slice_columns('owned', owner_slices) }}
    from owned
    inner join leads
        on leads.model_id = owned.model_id
        and leads.lead_id = owned.lead_id

),

aggregated as (

    select
        model_id,
        is_primary_model,
        mql_month,
        {{ funnel_slice_name_value(slices) }},
        count(*) as mql_entries,
        count(first_attempt_at) as attempted_entries,
        count(case when sla_status = 'met' then 1 end) as met_entries,
        count(case when sla_status = 'breached' then 1 end) as breached_entries,
        count(case when sla_status = 'pending' then 1 end) as pending_entries,
        count(case when is_open_breach then 1 end) as open_breaches,
        {{ percentile_cont('hours_to_first_attempt', 0.5) }} as p50_hours_to_first_attempt,
        {{ percentile_cont('hours_to_first_attempt', 0.95) }} as p95_hours_to_first_attempt,
        {{ percentile_cont('hours_to_first_contact', 0.5) }} as p50_hours_to_first_contact
    from sliced
    group by {{ funnel_slice_grouping_sets(['model_id', 'is_primary_model', 'mql_month'], slices) }}  -- noqa: PRS

),

final as (

    select
        aggregated.model_id,
        aggregated.is_primary_model,
        aggregated.mql_month,
        aggregated.slice_name,
        aggregated.slice_value,
        aggregated.mql_entries,
        aggregated.attempted_entries,
        aggregated.met_entries,
        aggregated.breached_entries,
        aggregated.pending_entries,
        aggregated.open_breaches,
        {{ safe_ratio('aggregated.met_entries', 'aggregated.met_entries + aggregated.breached_entries') }} as share_within_sla,
        cast(aggregated.p50_hours_to_first_attempt as {{ type_double() }}) as p50_hours_to_first_attempt,
        cast(aggregated.p95_hours_to_first_attempt as {{ type_double() }}) as p95_hours_to_first_attempt,
        cast(aggregated.p50_hours_to_first_contact as {{ type_double() }}) as p50_hours_to_first_contact,
        cast(settings.speed_to_lead_sla_hours as {{ type_double() }}) as sla_hours,
        {{ cohort_is_immature('aggregated.mql_month', 'ceil(settings.speed_to_lead_sla_hours / 24.0)') }} as is_immature,
        {{ scoring_as_of_date() }} as as_of_date
    from aggregated
    cross join settings

)

select * from final
