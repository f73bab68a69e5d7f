-- One row: a hash of the whole scoring configuration (every row of every scoring seed, of the
-- event mapping, which decides what events score, of the account scoring settings, and the var
-- scoring_logic_version). Any edit changes it; its first 12 hex characters name the configuration
-- version (scoring_config_version) that the rule history (int_scoring_config_history), the MQL
-- episodes and the lifecycle snapshot record.
--
-- lead_scoring_hash leaves the account scoring settings out: it is what lead scores depend on, and
-- int_lead_scoring_scope rescores every lead when it changes. An edit of account_scoring is a new
-- version without rescoring a lead (the account models are rebuilt from the lead scores each run).

-- Rows are joined with '~', not a newline: Spark reads '\n' in a literal as an escape, DuckDB and
-- PostgreSQL as two characters, and the version must be the same on every engine.

with

config_rows as (

    {{ config_rows_text('int_scoring_models', 'scoring_models') }}
    union all
    {{ config_rows_text('int_fit_rules', 'scoring_fit_rules') }}
    union all
    {{ config_rows_text('int_engagement_rules', 'scoring_engagement_rules') }}
    union all
    {{ config_rows_text('event_type_mapping', 'event_type_mapping') }}

),

account_config_rows as (

    {{ config_rows_text('account_scoring', 'account_scoring') }}

),

lead_hashed as (

    select
        {{ dbt.hash(dbt.concat([
            "'" ~ var('scoring_logic_version') ~ "'", "'|'",
            dbt.listagg('row_text', "'~'", 'order by row_text'),
        ])) }} as lead_scoring_hash,
        count(*) as lead_config_rows
    from config_rows

),

account_hashed as (

    select
        {{ dbt.listagg('row_text', "'~'", 'order by row_text') }} as account_rows_text,
        count(*) as account_config_rows
    from account_config_rows

),

hashed as (

    select
        lead_hashed.lead_scoring_hash,
        {{ dbt.hash(dbt.concat([
            'lead_hashed.lead_scoring_hash', "'|'", "coalesce(account_hashed.account_rows_text, '')",
        ])) }} as config_hash,
        lead_hashed.lead_config_rows + account_hashed.account_config_rows as config_rows
    from lead_hashed
    cross join account_hashed

),

final as (

    select
        config_hash,
        lead_scoring_hash,
        config_rows,
        -- Short like a git commit id; 48 bits keep distinct configurations apart in practice.
        substring(config_hash, 1, 12) as scoring_config_version
    from hashed

)

select * from final
