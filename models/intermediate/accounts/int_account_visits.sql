-- Company visits with the account they count for: the account of the leads that share the
-- visit's domain (the one with most such leads; ties: the first id), else an account of the
-- domain itself, so a company can be scored before any of its people is a lead. Visits from a
-- free-mail domain (seed free_mail_domains) identify no company and are left out.

with

visits as (

    select * from {{ ref('stg_raw__company_visits') }}

),

free_mail as (

    select lower(trim(mail_domain)) as mail_domain from {{ ref('free_mail_domains') }}

),

domain_accounts_counted as (

    select lead_domain, account_id, count(*) as leads_count
    from {{ ref('int_lead_accounts') }}
    where lead_domain is not null
    group by lead_domain, account_id

),

domain_accounts as (

    select
        lead_domain,
        account_id,
        row_number() over (partition by lead_domain order by leads_count desc, account_id asc) as account_rank
    from domain_accounts_counted

),

final as (

    select
        coalesce(domain_accounts.account_id, 'domain:' || visits.company_domain) as account_id,
        visits.visit_id,
        visits.source_tool,
        visits.company_name,
        visits.company_domain,
        visits.page_url,
        visits.visited_at,
        visits.visited_on
    from visits
    left join free_mail on free_mail.mail_domain = visits.company_domain
    left join domain_accounts
        on domain_accounts.lead_domain = visits.company_domain
        and domain_accounts.account_rank = 1
    where free_mail.mail_domain is null

)

select * from final
