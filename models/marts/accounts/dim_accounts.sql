-- One row per account: where it comes from, its name and domain, how many leads roll up to it
-- and its company visits. Leads with only a free-mail domain belong to no account
-- (int_lead_accounts); an account may be known from visits alone (int_account_visits).

with

lead_accounts as (

    select * from {{ ref('int_lead_accounts') }}

),

visits as (

    select * from {{ ref('int_account_visits') }}

),

-- Every name and domain the account's leads and visits give, the CRM's name first.
account_names as (

    select account_id, crm_account_name as account_name, 0 as name_priority from lead_accounts
    union all
    select account_id, company_name as account_name, 1 as name_priority from lead_accounts
    union all
    select account_id, company_name as account_name, 2 as name_priority from visits

),

name_counts as (

    select account_id, account_name, min(name_priority) as name_priority, count(*) as name_count
    from account_names
    where account_name is not null
    group by account_id, account_name

),

names as (

    select
        account_id,
        account_name,
        row_number() over (partition by account_id order by name_priority asc, name_count desc, account_name asc) as name_rank
    from name_counts

),

account_domains as (

    select account_id, lead_domain as account_domain from lead_accounts
    union all
    select account_id, company_domain as account_domain from visits

),

domain_counts as (

    select account_id, account_domain, count(*) as domain_count
    from account_domains
    where account_domain is not null
    group by account_id, account_domain

),

-- The most common domain (ties: the first alphabetically).
domains as (

    select
        account_id,
        account_domain,
        row_number() over (partition by account_id order by domain_count desc, account_domain asc) as domain_rank
    from domain_counts

),

lead_figures as (

    select
        account_id,
        max(crm_account_id) as crm_account_id,
        count(*) as leads_count,
        min(created_at) as first_lead_created_at,
        max(created_at) as last_lead_created_at
    from lead_accounts
    group by account_id

),

visit_figures as (

    select
        account_id,
        count(*) as visits_count,
        min(visited_at) as first_visit_at,
        max(visited_at) as last_visit_at
    from visits
    group by account_id

),

accounts as (

    select account_id from lead_figures
    union
    select account_id from visit_figures

),

final as (

    select
        accounts.account_id,
        case when lead_figures.crm_account_id is not null then 'crm' else 'domain' end as account_source,
        lead_figures.crm_account_id,
        names.account_name,
        domains.account_domain,
        cast(coalesce(lead_figures.leads_count, 0) as {{ dbt.type_int() }}) as leads_count,
        lead_figures.first_lead_created_at,
        lead_figures.last_lead_created_at,
        cast(coalesce(visit_figures.visits_count, 0) as {{ dbt.type_int() }}) as visits_count,
        visit_figures.first_visit_at,
        visit_figures.last_visit_at,
        case
            when visit_figures.first_visit_at is null or lead_figures.first_lead_created_at < visit_figures.first_visit_at
                then lead_figures.first_lead_created_at
            else visit_figures.first_visit_at
        end as first_seen_at
    from accounts
    left join lead_figures on lead_figures.account_id = accounts.account_id
    left join visit_figures on visit_figures.account_id = accounts.account_id
    left join domains
        on domains.account_id = accounts.account_id
        and domains.domain_rank = 1
    left join names
        on names.account_id = accounts.account_id
        and names.name_rank = 1

)

select * from final
