-- One row: a hash of the whole scoring configuration (every row of every scoring seed, of the
-- event mapping, which decides what events score, and the var scoring_logic_version). Any edit changes it, which rescores every lead. Its first 12 hex
-- characters name the configuration version (scoring_config_version) that the rule history
-- (int_scoring_config_history), the MQL episodes and the lifecycle snapshot record.

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

hashed as (

    select
        {{ dbt.hash(dbt.concat([
            "'" ~ var('scoring_logic_version') ~ "'", "'|'",
            dbt.listagg('row_text', "'~'", 'order by row_text'),
        ])) }} as config_hash,
        count(*) as config_rows
    from config_rows

),

final as (

    select
        config_hash,
        config_rows,
        -- Short like a git commit id; 48 bits keep distinct configurations apart in practice.
        substring(config_hash, 1, 12) as scoring_config_version
    from hashed

)

select * from final
