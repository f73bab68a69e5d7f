-- The rule history's versions: one row per period a scoring configuration went live, appended by
-- the first run that scores with it (its fingerprint differs from the one live before). A run
-- with unchanged rules adds nothing; going back to an earlier configuration adds a period with
-- that configuration's version again. full_refresh=false: `dbt build --full-refresh` (make
-- backfill) keeps this table, as the history cannot be rebuilt from the seeds of today.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
) }}
{#- The git commit of the project (run_options.scoring_config_commit in the Python package);
    empty when dbt is run by hand or outside a git checkout. -#}
{%- set commit = (var('scoring_config_commit', '') or '') | string | trim %}

with

fingerprint as (

    select * from {{ ref('int_scoring_config_fingerprint') }}

),

-- The periods recorded so far (none on the first run).
recorded as (

    {% if is_incremental() -%}
    select live_period, config_hash from {{ this }}
    {%- else -%}
    select
        cast(null as {{ dbt.type_int() }}) as live_period,
        cast(null as {{ dbt.type_string() }}) as config_hash
    from fingerprint
    where 1 = 0
    {%- endif %}

),

latest as (

    select coalesce(max(live_period), 0) as live_period from recorded

),

final as (

    select
        cast(latest.live_period + 1 as {{ dbt.type_int() }}) as live_period,
        fingerprint.scoring_config_version,
        fingerprint.config_hash,
        fingerprint.config_rows,
        {% if commit -%}
        cast('{{ commit | replace("'", "''") }}' as {{ dbt.type_string() }}) as config_commit,
        {%- else -%}
        cast(null as {{ dbt.type_string() }}) as config_commit,
        {%- endif %}
        {{ to_utc_timestamp(dbt.current_timestamp()) }} as live_from
    from fingerprint
    cross join latest
    left join recorded
        on recorded.live_period = latest.live_period
    -- Only a configuration other than the one live now opens a period.
    where recorded.config_hash is null
       or recorded.config_hash <> fingerprint.config_hash

)

select * from final
