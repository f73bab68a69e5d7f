-- The active suppressions of seed activation_suppressions, one row per suppression and action it
-- applies to (an empty applies_to: every active action). Validated first
-- (int_scoring_config_problems).

with

suppressions as (

    select * from {{ ref('activation_suppressions') }}

),

rules as (

    select action_id from {{ ref('int_activation_rules') }}

),

final as (

    select
        rules.action_id,
        {{ as_id('suppressions.suppression') }} as suppression,
        lower(trim(suppressions.kind)) as kind,
        lower(trim(suppressions.value)) as suppressed_value
    from suppressions
    inner join rules
        on {{ activation_list('suppressions.applies_to') }} is null
        or {{ activation_list_has(activation_list('suppressions.applies_to'), 'lower(rules.action_id)') }}
    where {{ as_flag('suppressions.is_active') }}

)

select * from final
