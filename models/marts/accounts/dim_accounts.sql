-- One row per account: where it comes from, its name and domain, and how many leads roll up to
-- it. Leads with only a free-mail domain belong to no account (int_lead_accounts).

with

lead_accounts as (

    select * from {{ ref('int_lead_accounts') }}

),

-- The most common domain and name among the account's leads (ties: the first alphabetically).
domains as (

    select
        account_id,
        lead_domain,
        row_number() over (partition by account_id order by count(*) desc, lead_domain) as domain_rank
    from lead_accounts
    where lead_domain is not null
    group by account_id, lead_domain

),

names as (

    select
        account_id,
        coalesce(crm_account_name, company_name) as account_name,
        row_number() over (
            partition by account_id
            order by case when crm_account_name is not null then 0 else 1 end, count(*) desc, coalesce(crm_account_name, company_name)
        ) as name_rank
    from lead_accounts
    where coalesce(crm_account_name, company_name) is not null
    group by account_id, coalesce(crm_account_name, company_name), case when crm_account_name is not null then 0 else 1 end

),

accounts as (

    select
        account_id,
        max(account_source) as account_source,
        max(crm_account_id) as crm_account_id,
        count(*) as leads_count,
        min(created_at) as first_lead_created_at,
        max(created_at) as last_lead_created_at
    from lead_accounts
    group by account_id

),

final as (

    select
        accounts.account_id,
        accounts.account_source,
        accounts.crm_account_id,
        names.account_name,
        domains.lead_domain as account_domain,
        cast(accounts.leads_count as {{ dbt.type_int() }}) as leads_count,
        accounts.first_lead_created_at,
        accounts.last_lead_created_at
    from accounts
    left join domains
        on domains.account_id = accounts.account_id
        and domains.domain_rank = 1
    left join names
        on names.account_id = accounts.account_id
        and names.name_rank = 1

)

select * from final
