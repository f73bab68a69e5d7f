-- The rule history's content: every cell of every scoring seed, of the event mapping and of the
-- account scoring settings (and the var scoring_logic_version, which is part of the fingerprint)
-- for each configuration version, appended by the first run that scores with a version this table does not hold yet; a version
-- live again later is not stored twice. Cells as the seeds spell them, so a change shows as
-- marketing ops typed it. full_refresh=false, like int_scoring_config_history: a full refresh
-- keeps the history.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
) }}

with

fingerprint as (

    select * from {{ ref('int_scoring_config_fingerprint') }}

),

cells as (

    {{ config_seed_cells('scoring_models') }}
    union all
    {{ config_seed_cells('scoring_fit_rules') }}
    union all
    {{ config_seed_cells('scoring_engagement_rules') }}
    union all
    {{ config_seed_cells('event_type_mapping') }}
    union all
    {{ config_seed_cells('account_scoring') }}
    union all
    select
        cast('var' as {{ dbt.type_string() }}) as seed_name,
        cast(null as {{ dbt.type_string() }}) as model_id,
        cast(null as {{ dbt.type_string() }}) as rule_id,
        cast('scoring_logic_version' as {{ dbt.type_string() }}) as column_name,
        cast('{{ var("scoring_logic_version") }}' as {{ dbt.type_string() }}) as value

),

-- The versions stored so far (none on the first run).
recorded as (

    {% if is_incremental() -%}
    select distinct scoring_config_version from {{ this }}
    {%- else -%}
    select cast(null as {{ dbt.type_string() }}) as scoring_config_version
    from fingerprint
    where 1 = 0
    {%- endif %}

),

final as (

    select
        fingerprint.scoring_config_version,
        cells.seed_name,
        cells.model_id,
        cells.rule_id,
        cells.column_name,
        cells.value
    from cells
    cross join fingerprint
    left join recorded
        on recorded.scoring_config_version = fingerprint.scoring_config_version
    where recorded.scoring_config_version is null

)

select * from final
