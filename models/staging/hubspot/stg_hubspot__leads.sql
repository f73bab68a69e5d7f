-- HubSpot contacts as raw leads (the raw data contract's columns and types, read by
-- stg_raw__leads), with the contact's primary company as its CRM account. Company facts come from
-- the company record, else from the contact's own properties.

with

contacts as (

    select *
    from {{ source('hubspot', 'contact') }}
    where not coalesce(_fivetran_deleted, false)

),

companies as (

    select *
    from {{ source('hubspot', 'company') }}
    where not coalesce(is_deleted, false)

),

final as (

    select
        cast(contacts.id as {{ dbt.type_string() }}) as lead_id,
        cast(contacts.property_email as {{ dbt.type_string() }}) as email,
        cast(contacts.property_firstname as {{ dbt.type_string() }}) as first_name,
        cast(contacts.property_lastname as {{ dbt.type_string() }}) as last_name,
        cast(coalesce(companies.property_name, contacts.property_company) as {{ dbt.type_string() }}) as company_name,
        cast(coalesce(companies.property_domain, contacts.property_website) as {{ dbt.type_string() }}) as company_domain,
        cast(coalesce(companies.property_numberofemployees, contacts.property_numemployees) as {{ dbt.type_int() }}) as company_size,
        cast(coalesce(companies.property_industry, contacts.property_industry) as {{ dbt.type_string() }}) as industry,
        cast(contacts.property_jobtitle as {{ dbt.type_string() }}) as job_title,
        cast(contacts.property_hs_country_region_code as {{ dbt.type_string() }}) as country,
        cast(contacts.property_hs_analytics_source as {{ dbt.type_string() }}) as lead_source,
        cast(contacts.property_hs_analytics_first_touch_converting_campaign as {{ dbt.type_string() }}) as campaign,
        cast(contacts.property_createdate as {{ raw_timestamp_type() }}) as created_at,
        cast(contacts.property_lastmodifieddate as {{ raw_timestamp_type() }}) as updated_at,
        cast(companies.id as {{ dbt.type_string() }}) as account_id,
        cast(companies.property_name as {{ dbt.type_string() }}) as account_name
    from contacts
    left join companies
        on cast(companies.id as {{ dbt.type_string() }}) = cast(contacts.property_associatedcompanyid as {{ dbt.type_string() }})

)

select * from final
