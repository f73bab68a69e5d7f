{#- How many batches of accounts int_account_score_days computes its change days in (batch_count).
    An account's history joins each of its change days to each of its engaged leads, so its work
    grows with (score changes of its leads) x (its leads): with large accounts (5M leads: 4.6
    leads on average, up to 202) one query over every account does not fit in memory. The
    estimate: those pairs over the accounts this run restates; var account_history_batches sets
    the count, var account_history_pairs_per_batch the pairs per batch. -#}
{% macro account_history_batches() -%}
    {%- set estimate_sql -%}
        select coalesce(sum(cast(account_rows.score_changes as {{ dbt.type_float() }}) * account_rows.leads), 0) as pairs
        from (
            select
                lead_accounts.account_id,
                count(*) as score_changes,
                count(distinct score_changes.lead_id) as leads
            from {{ ref('int_lead_score_changes') }} as score_changes
            inner join {{ ref('int_lead_accounts') }} as lead_accounts on lead_accounts.lead_id = score_changes.lead_id
            inner join {{ ref('int_account_scope') }} as scope
                on scope.account_id = lead_accounts.account_id
                and scope.needs_restate
            group by lead_accounts.account_id
        ) as account_rows
    {%- endset -%}
    {{ return(batch_count(
        'account_history_batches', 'account_history_pairs_per_batch',
        ['int_lead_score_changes', 'int_lead_accounts', 'int_account_scope'], estimate_sql)) }}
{%- endmacro %}
