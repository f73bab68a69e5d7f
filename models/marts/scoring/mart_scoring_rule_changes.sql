-- What changed in the scoring configuration from one live version to the next: one row per seed
-- cell whose value differs, with the version before and after and when the new one went live.
-- A rule (or model) only in the newer version is 'added' (old_value empty), one only in the
-- older is 'removed' (new_value empty), any other difference 'changed'. Versions follow each
-- other in the order they were live, so going back to an earlier configuration is a change too.

with

history as (

    select * from {{ ref('int_scoring_config_history') }}

),

config_rows as (

    select
        scoring_config_version,
        seed_name,
        model_id,
        rule_id,
        column_name,
        value,
        -- scoring_models rows have no rule_id, and the var row no model_id: keys to join on.
        coalesce(model_id, '') as model_key,
        coalesce(rule_id, '') as rule_key
    from {{ ref('int_scoring_config_history_rows') }}

),

transitions as (

    select
        later.live_period,
        earlier.scoring_config_version as from_version,
        later.scoring_config_version as to_version,
        later.live_from as changed_at
    from history as later
    inner join history as earlier
        on earlier.live_period = later.live_period - 1

),

old_cells as (

    select transitions.live_period, config_rows.*
    from transitions
    inner join config_rows
        on config_rows.scoring_config_version = transitions.from_version

),

new_cells as (

    select transitions.live_period, config_rows.*
    from transitions
    inner join config_rows
        on config_rows.scoring_config_version = transitions.to_version

),

cell_keys as (

    select live_period, seed_name, model_id, rule_id, column_name, model_key, rule_key from old_cells
    union
    select live_period, seed_name, model_id, rule_id, column_name, model_key, rule_key from new_cells

),

old_rules as (

    select distinct live_period, seed_name, model_key, rule_key from old_cells

),

new_rules as (

    select distinct live_period, seed_name, model_key, rule_key from new_cells

),

compared as (

    select
        cell_keys.live_period,
        cell_keys.seed_name,
        cell_keys.model_id,
        cell_keys.rule_id,
        cell_keys.column_name,
        case
            when old_rules.live_period is null then 'added'
            when new_rules.live_period is null then 'removed'
            else 'changed'
        end as change_kind,
        old_cells.value as old_value,
        new_cells.value as new_value
    from cell_keys
    left join old_cells
        on old_cells.live_period = cell_keys.live_period
        and old_cells.seed_name = cell_keys.seed_name
        and old_cells.model_key = cell_keys.model_key
        and old_cells.rule_key = cell_keys.rule_key
        and old_cells.column_name = cell_keys.column_name
    left join new_cells
        on new_cells.live_period = cell_keys.live_period
        and new_cells.seed_name = cell_keys.seed_name
        and new_cells.model_key = cell_keys.model_key
        and new_cells.rule_key = cell_keys.rule_key
        and new_cells.column_name = cell_keys.column_name
    left join old_rules
        on old_rules.live_period = cell_keys.live_period
        and old_rules.seed_name = cell_keys.seed_name
        and old_rules.model_key = cell_keys.model_key
        and old_rules.rule_key = cell_keys.rule_key
    left join new_rules
        on new_rules.live_period = cell_keys.live_period
        and new_rules.seed_name = cell_keys.seed_name
        and new_rules.model_key = cell_keys.model_key
        and new_rules.rule_key = cell_keys.rule_key

),

final as (

    select
        compared.live_period,
        transitions.from_version,
        transitions.to_version,
        transitions.changed_at,
        compared.seed_name,
        compared.model_id,
        compared.rule_id,
        compared.column_name,
        compared.change_kind,
        compared.old_value,
        compared.new_value
    from compared
    inner join transitions
        on transitions.live_period = compared.live_period
    -- The values differ, an empty cell against a filled one included (both empty: no change).
    where coalesce(compared.old_value <> compared.new_value, compared.old_value is not null or compared.new_value is not null)

)

select * from final
