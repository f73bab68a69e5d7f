-- The account each lead rolls up to: its CRM account where the source has one; else the CRM
-- account that the other leads of its company domain belong to; else the company domain itself.
-- A lead's domain is its company domain, or its email domain when that is missing; free-mail
-- domains (seed free_mail_domains) say nothing about a company, so such leads stay lead-only
-- (no row here).

with

leads as (

    select * from {{ ref('stg_raw__leads') }}

),

free_mail as (

    select lower(trim(mail_domain)) as mail_domain from {{ ref('free_mail_domains') }}

),

with_domain as (

    select
        leads.lead_id,
        leads.crm_account_id,
        leads.crm_account_name,
        leads.company_name,
        leads.created_at,
        case
            when leads.company_domain is not null and company_free.mail_domain is null then leads.company_domain
            when leads.email_domain is not null and email_free.mail_domain is null then leads.email_domain
        end as lead_domain
    from leads
    left join free_mail as company_free on company_free.mail_domain = leads.company_domain
    left join free_mail as email_free on email_free.mail_domain = leads.email_domain

),

-- Which CRM account a domain belongs to: the one with most leads of that domain (ties: the
-- smallest id), so leads of the domain without a CRM account join their colleagues.
domain_crm_counts as (

    select
        lead_domain,
        crm_account_id,
        count(*) as leads_count
    from with_domain
    where lead_domain is not null and crm_account_id is not null
    group by lead_domain, crm_account_id

),

domain_crm as (

    select
        lead_domain,
        crm_account_id,
        row_number() over (partition by lead_domain order by leads_count desc, crm_account_id asc) as crm_rank
    from domain_crm_counts

),

final as (

    select
        with_domain.lead_id,
        case
            when with_domain.crm_account_id is not null then 'crm:' || with_domain.crm_account_id
            when domain_crm.crm_account_id is not null then 'crm:' || domain_crm.crm_account_id
            else 'domain:' || with_domain.lead_domain
        end as account_id,
        case when coalesce(with_domain.crm_account_id, domain_crm.crm_account_id) is not null then 'crm' else 'domain' end as account_source,
        coalesce(with_domain.crm_account_id, domain_crm.crm_account_id) as crm_account_id,
        with_domain.crm_account_name,
        with_domain.company_name,
        with_domain.lead_domain,
        with_domain.created_at
    from with_domain
    left join domain_crm
        on domain_crm.lead_domain = with_domain.lead_domain
        and domain_crm.crm_rank = 1
    where with_domain.crm_account_id is not null or with_domain.lead_domain is not null

)

select * from final
