-- One row: a hash of the whole scoring configuration (every row of every scoring seed, and the
-- var scoring_logic_version). Any edit changes it, which rescores every lead.

with

config_rows as (

    {{ config_rows_text('int_scoring_models', 'scoring_models') }}
    union all
    {{ config_rows_text('int_fit_rules', 'scoring_fit_rules') }}
    union all
    {{ config_rows_text('int_engagement_rules', 'scoring_engagement_rules') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "'" ~ var('scoring_logic_version') ~ "'", "'|'",
            dbt.listagg('row_text', "'\\n'", 'order by row_text'),
        ])) }} as config_hash,
        count(*) as config_rows
    from config_rows

)

select * from final
