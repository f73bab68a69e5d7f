{#- How many batches of accounts int_account_score_days computes its change days in, one batch
    after the other (in_account_batch). An account's history joins each of its change days to
    each of its engaged leads, so its work grows with (score changes of its leads) x (its leads):
    with large accounts (5M leads: 4.6 leads on average, up to 202) one query over every account
    does not fit in memory. The var account_history_batches sets the count (1 to 256, a power of
    two); unset, it is the estimated pairs of the accounts this run restates divided by
    var account_history_pairs_per_batch, rounded up to a power of two. Engines whose account
    models are tables rebuilt in one statement (incremental_where_supported: Spark) and unit
    tests use one. -#}
{% macro account_history_batches() -%}
    {#- a unit test runs the model's statement alone (no post-hook), and its inputs are CTEs that a
        query of its own cannot read -#}
    {%- if model.resource_type == 'unit_test' -%}
        {{ return(1) }}
    {%- endif -%}
    {%- set configured = var('account_history_batches', none) -%}
    {%- if configured is not none and configured | string | trim != '' -%}
        {%- set batches = configured | int -%}
        {%- if batches not in [1, 2, 4, 8, 16, 32, 64, 128, 256] -%}
            {{ exceptions.raise_compiler_error("var account_history_batches must be 1, 2, 4, 8, 16, 32, 64, 128 or 256, not '" ~ configured ~ "'") }}
        {%- endif -%}
        {{ return(batches) }}
    {%- endif -%}
    {%- if not execute or incremental_where_supported() != 'incremental' -%}
        {{ return(1) }}
    {%- endif -%}
    {#- compiled before its inputs exist (dbt compile or a linter on an empty warehouse): nothing to size -#}
    {%- for input in ['int_lead_score_changes', 'int_lead_accounts', 'int_account_scope'] -%}
        {%- set relation = ref(input) -%}
        {%- if adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) is none -%}
            {{ return(1) }}
        {%- endif -%}
    {%- endfor -%}
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
    {%- set pairs = run_query(estimate_sql).columns[0].values()[0] | float -%}
    {%- set per_batch = var('account_history_pairs_per_batch') | float -%}
    {%- set batches = namespace(count=1) -%}
    {%- for _ in range(8) if batches.count * per_batch < pairs -%}
        {%- set batches.count = batches.count * 2 -%}
    {%- endfor -%}
    {{ return(batches.count) }}
{%- endmacro %}
