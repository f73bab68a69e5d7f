-- Salesforce leads and contacts as raw leads (the raw data contract's columns and types, read by
-- stg_raw__leads): one row per person (stg_salesforce__people), a converted Lead and its Contact
-- as one lead under the Lead's id. Person facts from the Contact where there is one (sales keeps
-- it current after conversion), else the Lead; the channel and creation time from the Lead, where
-- the person's history starts. The account is the Contact's (or the converted Lead's) Account;
-- company facts come from it, else from the Lead's own fields. The campaign is the one the person
-- first became a member of.

with

people as (

    select * from {{ ref('stg_salesforce__people') }}

),

leads as (

    select
        cast({{ salesforce_column('Id') }} as {{ dbt.type_string() }}) as lead_record_id,
        {{ salesforce_column('Email') }} as email,
        {{ salesforce_column('FirstName') }} as first_name,
        {{ salesforce_column('LastName') }} as last_name,
        {{ salesforce_column('Company') }} as company,
        {{ salesforce_column('Website') }} as website,
        {{ salesforce_column('NumberOfEmployees') }} as number_of_employees,
        {{ salesforce_column('Industry') }} as industry,
        {{ salesforce_column('Title') }} as title,
        coalesce({{ salesforce_column('CountryCode') }}, {{ salesforce_column('Country') }}) as country,
        {{ salesforce_column('LeadSource') }} as lead_source,
        cast({{ salesforce_column('ConvertedAccountId') }} as {{ dbt.type_string() }}) as converted_account_id,
        {{ salesforce_column('CreatedDate') }} as created_date,
        {{ salesforce_column('LastModifiedDate') }} as last_modified_date
    from {{ source('salesforce', 'lead') }}
    where not coalesce({{ salesforce_column('IsDeleted') }}, false)

),

contacts as (

    select
        cast({{ salesforce_column('Id') }} as {{ dbt.type_string() }}) as contact_id,
        cast({{ salesforce_column('AccountId') }} as {{ dbt.type_string() }}) as account_id,
        {{ salesforce_column('Email') }} as email,
        {{ salesforce_column('FirstName') }} as first_name,
        {{ salesforce_column('LastName') }} as last_name,
        {{ salesforce_column('Title') }} as title,
        coalesce({{ salesforce_column('MailingCountryCode') }}, {{ salesforce_column('MailingCountry') }}) as country,
        {{ salesforce_column('LeadSource') }} as lead_source,
        {{ salesforce_column('CreatedDate') }} as created_date,
        {{ salesforce_column('LastModifiedDate') }} as last_modified_date
    from {{ source('salesforce', 'contact') }}
    where not coalesce({{ salesforce_column('IsDeleted') }}, false)

),

accounts as (

    select
        cast({{ salesforce_column('Id') }} as {{ dbt.type_string() }}) as account_id,
        {{ salesforce_column('Name') }} as account_name,
        {{ salesforce_column('Website') }} as website,
        {{ salesforce_column('NumberOfEmployees') }} as number_of_employees,
        {{ salesforce_column('Industry') }} as industry
    from {{ source('salesforce', 'account') }}
    where not coalesce({{ salesforce_column('IsDeleted') }}, false)

),

campaign_members as (

    select
        cast(coalesce({{ salesforce_column('ContactId') }}, {{ salesforce_column('LeadId') }}) as {{ dbt.type_string() }}) as person_id,
        cast({{ salesforce_column('CampaignId') }} as {{ dbt.type_string() }}) as campaign_id,
        {{ salesforce_column('CreatedDate') }} as created_date
    from {{ source('salesforce', 'campaign_member') }}
    where not coalesce({{ salesforce_column('IsDeleted') }}, false)

),

campaigns as (

    select
        cast({{ salesforce_column('Id') }} as {{ dbt.type_string() }}) as campaign_id,
        {{ salesforce_column('Name') }} as campaign_name
    from {{ source('salesforce', 'campaign') }}
    where not coalesce({{ salesforce_column('IsDeleted') }}, false)

),

-- The lead's Lead record and Contact record (either may be missing).
person_records as (

    select
        lead_id,
        max(case when person_type = 'lead' then person_id end) as lead_record_id,
        max(case when person_type = 'contact' then person_id end) as contact_id
    from people
    group by lead_id

),

first_campaigns as (

    select
        people.lead_id,
        campaigns.campaign_name,
        row_number() over (
            partition by people.lead_id
            order by campaign_members.created_date, campaign_members.campaign_id
        ) as membership_rank
    from campaign_members
    inner join people
        on people.person_id = campaign_members.person_id
    inner join campaigns
        on campaigns.campaign_id = campaign_members.campaign_id

),

final as (

    select
        person_records.lead_id,
        cast(coalesce(contacts.email, leads.email) as {{ dbt.type_string() }}) as email,
        cast(coalesce(contacts.first_name, leads.first_name) as {{ dbt.type_string() }}) as first_name,
        cast(coalesce(contacts.last_name, leads.last_name) as {{ dbt.type_string() }}) as last_name,
        cast(coalesce(accounts.account_name, leads.company) as {{ dbt.type_string() }}) as company_name,
        cast(coalesce(accounts.website, leads.website) as {{ dbt.type_string() }}) as company_domain,
        cast(coalesce(accounts.number_of_employees, leads.number_of_employees) as {{ dbt.type_int() }}) as company_size,
        cast(coalesce(accounts.industry, leads.industry) as {{ dbt.type_string() }}) as industry,
        cast(coalesce(contacts.title, leads.title) as {{ dbt.type_string() }}) as job_title,
        cast(coalesce(contacts.country, leads.country) as {{ dbt.type_string() }}) as country,
        cast(coalesce(leads.lead_source, contacts.lead_source) as {{ dbt.type_string() }}) as lead_source,
        cast(first_campaigns.campaign_name as {{ dbt.type_string() }}) as campaign,
        cast(coalesce(leads.created_date, contacts.created_date) as {{ raw_timestamp_type() }}) as created_at,
        cast(
            case
                when leads.last_modified_date is null or contacts.last_modified_date > leads.last_modified_date
                    then contacts.last_modified_date
                else leads.last_modified_date
            end as {{ raw_timestamp_type() }}
        ) as updated_at,
        accounts.account_id,
        cast(accounts.account_name as {{ dbt.type_string() }}) as account_name
    from person_records
    left join leads
        on leads.lead_record_id = person_records.lead_record_id
    left join contacts
        on contacts.contact_id = person_records.contact_id
    left join accounts
        on accounts.account_id = coalesce(contacts.account_id, leads.converted_account_id)
    left join first_campaigns
        on first_campaigns.lead_id = person_records.lead_id
        and first_campaigns.membership_rank = 1

)

select * from final
