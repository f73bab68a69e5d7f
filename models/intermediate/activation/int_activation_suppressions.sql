-- The active suppressions of seed activation_suppressions, one row per suppression and action it
-- applies to (an empty applies_to: every active action of the target its kind is for - event and
-- stage: lead rules, account_stage: account rules). Validated first (int_scoring_config_problems).

with

suppressions as (

    select * from {{ ref('activation_suppressions') }}

),

rules as (

    select action_id, target_type from {{ ref('int_activation_rules') }}

),

final as (

    select
        rules.action_id,
        {{ as_id('suppressions.suppression') }} as suppression,
        lower(trim(suppressions.kind)) as kind,
        lower(trim(suppressions.value)) as suppressed_value
    from suppressions
    inner join rules
        on (
            {{ activation_list('suppressions.applies_to') }} is null
            or {{ activation_list_has(activation_list('suppressions.applies_to'), 'lower(rules.action_id)') }}
        )
        and rules.target_type = case when lower(trim(suppressions.kind)) = 'account_stage' then 'account' else 'lead' end
    where {{ as_flag('suppressions.is_active') }}

)

select * from final
