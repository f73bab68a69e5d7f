-- Speed to lead: one row per scoring model, lead and entry into the mql stage, with the hours to
-- the first sales attempt and to the first real contact (meeting), and the SLA status against
-- speed_to_lead_sla_hours (seed funnel_settings):
--   met      - the first attempt came within the SLA hours;
--   breached - it came later, or not at all and the SLA hours have passed;
--   pending  - no attempt yet and the SLA hours have not passed by the end of the scoring day.
-- Sales works the primary model's MQLs; challenger rows show what its MQLs would have met.
{%- set as_of_end = scoring_day_end() %}

with

responses as (

    select * from {{ ref('int_mql_sales_responses') }}

),

leads as (

    select model_id, lead_id, lead_source, campaign from {{ ref('int_lead_funnel_stages') }}

),

settings as (

    select * from {{ ref('int_funnel_settings') }}

),

timed as (

    select
        responses.*,
        settings.speed_to_lead_sla_hours,
        {{ dbt.dateadd('second', 'cast(settings.speed_to_lead_sla_hours * 3600 as ' ~ dbt.type_bigint() ~ ')', 'responses.mql_at') }} as sla_deadline_at,
        {{ dbt.datediff('responses.mql_at', 'responses.first_attempt_at', 'second') }} / 3600.0 as hours_to_first_attempt,
        {{ dbt.datediff('responses.mql_at', 'responses.first_contact_at', 'second') }} / 3600.0 as hours_to_first_contact
    from responses
    cross join settings

),

final as (

    select
        timed.model_id,
        timed.is_primary_model,
        timed.lead_id,
        cast(timed.mql_episode as {{ dbt.type_int() }}) as mql_episode,
        timed.mql_at,
        cast({{ dbt.date_trunc('month', 'timed.mql_at') }} as date) as mql_month,
        leads.lead_source,
        leads.campaign,
        timed.first_attempt_at,
        timed.first_attempt_type,
        timed.first_attempt_owner as sales_owner,
        timed.first_contact_at,
        cast(timed.hours_to_first_attempt as {{ type_double() }}) as hours_to_first_attempt,
        cast(timed.hours_to_first_contact as {{ type_double() }}) as hours_to_first_contact,
        cast(timed.speed_to_lead_sla_hours as {{ type_double() }}) as sla_hours,
        timed.sla_deadline_at,
        case
            when timed.first_attempt_at <= timed.sla_deadline_at then 'met'
            when timed.first_attempt_at is not null or timed.sla_deadline_at <= {{ as_of_end }} then 'breached'
            else 'pending'
        end as sla_status,
        -- Still waiting: no attempt at all, the SLA hours are over, and the lead is still an MQL.
        (timed.first_attempt_at is null and timed.sla_deadline_at <= {{ as_of_end }} and timed.is_still_mql) as is_open_breach,
        timed.is_still_mql,
        {{ scoring_as_of_date() }} as as_of_date
    from timed
    inner join leads
        on leads.model_id = timed.model_id
        and leads.lead_id = timed.lead_id

)

select * from final
