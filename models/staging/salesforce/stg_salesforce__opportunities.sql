-- Salesforce opportunities as raw opportunities (the raw data contract's columns, read by
-- stg_raw__opportunities): the primary contact role's contact (else the first) is its lead
-- (through stg_salesforce__people, so a converted lead's own id), else the lead converted into
-- the opportunity. A closed opportunity is closed_won or closed_lost from IsClosed and IsWon,
-- closed when its stage history reached that stage (CloseDate is a date only); open ones keep
-- their StageName.
{%- set opportunity_columns = adapter.get_columns_in_relation(source('salesforce', 'opportunity')) if execute and 'sources' in graph else [] %}
{%- set currency_column = salesforce_column('CurrencyIsoCode') %}
{#- CurrencyIsoCode exists in multi-currency orgs only. -#}
{%- set has_currency = currency_column | replace('"', '') | lower in opportunity_columns | map(attribute='name') | map('lower') | list %}

with

opportunities as (

    select
        cast({{ salesforce_column('Id') }} as {{ dbt.type_string() }}) as opportunity_id,
        cast({{ salesforce_column('AccountId') }} as {{ dbt.type_string() }}) as account_id,
        {{ salesforce_column('StageName') }} as stage_name,
        {{ salesforce_column('Amount') }} as amount,
        {% if has_currency -%}
        {{ currency_column }} as currency,
        {%- else -%}
        cast(null as {{ dbt.type_string() }}) as currency,
        {%- endif %}
        {{ salesforce_column('CreatedDate') }} as created_date,
        {{ salesforce_column('CloseDate') }} as close_date,
        coalesce({{ salesforce_column('IsClosed') }}, false) as is_closed,
        coalesce({{ salesforce_column('IsWon') }}, false) as is_won
    from {{ source('salesforce', 'opportunity') }}
    where not coalesce({{ salesforce_column('IsDeleted') }}, false)

),

contact_roles as (

    select
        cast({{ salesforce_column('OpportunityId') }} as {{ dbt.type_string() }}) as opportunity_id,
        cast({{ salesforce_column('ContactId') }} as {{ dbt.type_string() }}) as contact_id,
        coalesce({{ salesforce_column('IsPrimary') }}, false) as is_primary,
        {{ salesforce_column('CreatedDate') }} as created_date,
        cast({{ salesforce_column('Id') }} as {{ dbt.type_string() }}) as contact_role_id
    from {{ source('salesforce', 'opportunity_contact_role') }}
    where not coalesce({{ salesforce_column('IsDeleted') }}, false)

),

converted_leads as (

    select
        cast({{ salesforce_column('ConvertedOpportunityId') }} as {{ dbt.type_string() }}) as opportunity_id,
        min(cast({{ salesforce_column('Id') }} as {{ dbt.type_string() }})) as person_id
    from {{ source('salesforce', 'lead') }}
    where not coalesce({{ salesforce_column('IsDeleted') }}, false)
        and {{ salesforce_column('ConvertedOpportunityId') }} is not null
    group by {{ salesforce_column('ConvertedOpportunityId') }}

),

stage_history as (

    select
        cast({{ salesforce_column('OpportunityId') }} as {{ dbt.type_string() }}) as opportunity_id,
        {{ salesforce_column('StageName') }} as stage_name,
        min({{ salesforce_column('CreatedDate') }}) as reached_at
    from {{ source('salesforce', 'opportunity_history') }}
    where not coalesce({{ salesforce_column('IsDeleted') }}, false)
    group by {{ salesforce_column('OpportunityId') }}, {{ salesforce_column('StageName') }}

),

accounts as (

    select
        cast({{ salesforce_column('Id') }} as {{ dbt.type_string() }}) as account_id,
        {{ salesforce_column('Name') }} as account_name
    from {{ source('salesforce', 'account') }}
    where not coalesce({{ salesforce_column('IsDeleted') }}, false)

),

people as (

    select * from {{ ref('stg_salesforce__people') }}

),

leads as (

    select * from {{ ref('stg_salesforce__leads') }}

),

-- The primary contact role, else the first one, whose contact is still a person.
ranked_roles as (

    select
        contact_roles.opportunity_id,
        people.lead_id,
        row_number() over (
            partition by contact_roles.opportunity_id
            order by
                case when contact_roles.is_primary then 0 else 1 end,
                contact_roles.created_date,
                contact_roles.contact_role_id
        ) as role_rank
    from contact_roles
    inner join people
        on people.person_id = contact_roles.contact_id

),

opportunity_leads as (

    select
        opportunities.opportunity_id,
        coalesce(ranked_roles.lead_id, converted_people.lead_id) as lead_id
    from opportunities
    left join ranked_roles
        on ranked_roles.opportunity_id = opportunities.opportunity_id
        and ranked_roles.role_rank = 1
    left join converted_leads
        on converted_leads.opportunity_id = opportunities.opportunity_id
    left join people as converted_people
        on converted_people.person_id = converted_leads.person_id

),

final as (

    select
        opportunities.opportunity_id,
        opportunity_leads.lead_id,
        -- The raw contract names the column account, a keyword of some dialects.
        cast(coalesce(accounts.account_name, leads.account_name, leads.company_name) as {{ dbt.type_string() }}) as account,  -- noqa: RF04
        cast(opportunities.created_date as {{ raw_timestamp_type() }}) as created_at,
        cast(
            case
                when opportunities.is_closed and opportunities.is_won then 'closed_won'
                when opportunities.is_closed then 'closed_lost'
                else opportunities.stage_name
            end as {{ dbt.type_string() }}
        ) as stage,
        cast(opportunities.amount as {{ dbt.type_float() }}) as amount,
        cast(opportunities.currency as {{ dbt.type_string() }}) as currency,
        cast(
            case
                when opportunities.is_closed
                    then coalesce(
                        cast(stage_history.reached_at as {{ raw_timestamp_type() }}),
                        cast(opportunities.close_date as {{ raw_timestamp_type() }})
                    )
            end as {{ raw_timestamp_type() }}
        ) as closed_at,
        cast(case when opportunities.is_closed then opportunities.is_won end as {{ dbt.type_boolean() }}) as is_won
    from opportunities
    inner join opportunity_leads
        on opportunity_leads.opportunity_id = opportunities.opportunity_id
    inner join leads
        on leads.lead_id = opportunity_leads.lead_id
    left join stage_history
        on stage_history.opportunity_id = opportunities.opportunity_id
        and stage_history.stage_name = opportunities.stage_name
    left join accounts
        on accounts.account_id = opportunities.account_id

)

select * from final
