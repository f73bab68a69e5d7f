-- HubSpot deals as raw opportunities (the raw data contract's columns, read by
-- stg_raw__opportunities): the deal's first associated contact is its lead, the stage's label
-- its stage, and a closed stage becomes closed_won or closed_lost from the pipeline's flags.

with

deals as (

    select *
    from {{ source('hubspot', 'deal') }}
    where not coalesce(is_deleted, false)

),

leads as (

    select * from {{ ref('stg_hubspot__leads') }}

),

-- The deal's first contact by id that is still a lead (deleted contacts are not).
deal_contacts as (

    select
        associations.deal_id,
        min(leads.lead_id) as contact_id
    from {{ source('hubspot', 'deal_contact') }} as associations
    inner join leads
        on leads.lead_id = cast(associations.contact_id as {{ dbt.type_string() }})
    group by associations.deal_id

),

stages as (

    select *
    from {{ source('hubspot', 'deal_pipeline_stage') }}

),

final as (

    select
        cast(deals.deal_id as {{ dbt.type_string() }}) as opportunity_id,
        deal_contacts.contact_id as lead_id,
        -- The raw contract names the column account, a keyword of some dialects.
        coalesce(leads.account_name, leads.company_name) as account,  -- noqa: RF04
        cast(deals.property_createdate as {{ raw_timestamp_type() }}) as created_at,
        cast(
            case
                when stages.is_closed and stages.closed_won then 'closed_won'
                when stages.is_closed then 'closed_lost'
                else coalesce(stages.label, deals.deal_pipeline_stage_id)
            end as {{ dbt.type_string() }}
        ) as stage,
        cast(deals.property_amount as {{ dbt.type_float() }}) as amount,
        cast(deals.property_deal_currency_code as {{ dbt.type_string() }}) as currency,
        cast(case when stages.is_closed then deals.property_closedate end as {{ raw_timestamp_type() }}) as closed_at,
        cast(case when stages.is_closed then stages.closed_won end as {{ dbt.type_boolean() }}) as is_won
    from deals
    inner join deal_contacts
        on deal_contacts.deal_id = deals.deal_id
    inner join leads
        on leads.lead_id = deal_contacts.contact_id
    left join stages
        on stages.stage_id = deals.deal_pipeline_stage_id

)

select * from final
