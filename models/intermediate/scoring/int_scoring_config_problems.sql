-- Every problem in the scoring, account scoring, activation and event mapping seeds, one row each,
-- naming the seed and the row (model_id, rule_id; for activation_rules the action_id, for
-- activation_suppressions the suppression, for event_type_mapping the source: system/name and its
-- condition, from int_event_type_mapping_problems). The post-hook stops the run when there is any, so no scoring model or mart is
-- rebuilt from a bad configuration. Ids are compared as the scoring models read them (as_id),
-- so two rows whose ids differ only in surrounding spaces are duplicates here too.
{{ config(post_hook="{{ raise_scoring_config_problems() }}") }}
{#- What an activation rule acts on: target, empty = lead. -#}
{%- set rule_target = "coalesce(lower(nullif(trim(rules.target), '')), 'lead')" %}

with

models as (

    select * from {{ ref('scoring_models') }}

),

fit_rules as (

    select * from {{ ref('scoring_fit_rules') }}

),

engagement_rules as (

    select * from {{ ref('scoring_engagement_rules') }}

),

event_types as (

    select * from {{ ref('event_types') }}

),

activation_rules as (

    select * from {{ ref('activation_rules') }}

),

mapping_problems as (

    select * from {{ ref('int_event_type_mapping_problems') }}

),

activation_suppressions as (

    select * from {{ ref('activation_suppressions') }}

),

account_scoring as (

    select * from {{ ref('account_scoring') }}

),

-- The items of the activation seeds' |-separated lists, one row each (at most 12 per cell).
list_positions as (

    {{ integer_series(12) }}

),

activation_list_items as (

    select 'activation_rules' as seed_name, {{ as_id('rules.model_id') }} as model_id, {{ as_id('rules.action_id') }} as rule_id,
        'score_bands' as column_name, {{ dbt.split_part(activation_list('rules.score_bands'), "'|'", 'positions.n') }} as item,
        cast(null as {{ dbt.type_string() }}) as item_target
    from activation_rules as rules
    cross join list_positions as positions
    union all
    select 'activation_rules' as seed_name, {{ as_id('rules.model_id') }} as model_id, {{ as_id('rules.action_id') }} as rule_id,
        'lifecycle_stages' as column_name, {{ dbt.split_part(activation_list('rules.lifecycle_stages'), "'|'", 'positions.n') }} as item,
        cast(null as {{ dbt.type_string() }}) as item_target
    from activation_rules as rules
    cross join list_positions as positions
    union all
    select 'activation_suppressions' as seed_name, null as model_id, {{ as_id('suppressions.suppression') }} as rule_id,
        'applies_to' as column_name, {{ dbt.split_part(activation_list('suppressions.applies_to'), "'|'", 'positions.n') }} as item,
        -- The target a suppression of this kind is for (account_stage: account rules).
        case when lower(trim(suppressions.kind)) = 'account_stage' then 'account' else 'lead' end as item_target
    from activation_suppressions as suppressions
    cross join list_positions as positions

),

activation_ids as (

    select distinct {{ activation_list('action_id') }} as action_id, {{ rule_target }} as target_type
    from activation_rules as rules

),

activation_list_problems as (

    select items.seed_name, items.model_id, items.rule_id,
        items.column_name || ': unknown ' || case items.column_name
            when 'score_bands' then 'band ''' || items.item || ''' (one of {{ score_bands() | join(", ") }})'
            when 'lifecycle_stages' then 'stage ''' || items.item || ''' (one of {{ lifecycle_stage_names() | join(", ") }})'
            when 'applies_to' then
                case
                    when actions.action_id is null then 'action ''' || items.item || ''' (not an action_id of activation_rules)'
                    else 'action ''' || items.item || ''' for this kind: the rule targets ' || actions.target_type
                        || 's, the suppression ' || items.item_target || 's (kind ' || case items.item_target when 'account' then 'account_stage' else 'event or stage' end || ')'
                end
        end as problem
    from activation_list_items as items
    left join activation_ids as actions
        on actions.action_id = items.item
    where coalesce(items.item, '') != ''
      and case items.column_name
            when 'score_bands' then items.item not in ('{{ score_bands() | join("', '") }}')
            when 'lifecycle_stages' then items.item not in ('{{ lifecycle_stage_names() | join("', '") }}')
            else actions.action_id is null or actions.target_type != items.item_target
        end

),

activation_rule_problems as (

    select 'activation_rules' as seed_name, rules.model_id, rules.action_id as rule_id,
        case
            when {{ as_id('rules.action_id') }} is null then 'action_id is empty'
            when models.model_id is null then 'model_id ''' || coalesce(rules.model_id, '') || ''' is not in scoring_models'
            when {{ rule_target }} not in ('lead', 'account')
                then 'target must be lead or account, got ''' || rules.target || ''''
            -- An account rule reads the account's state and score only; a lead's band, stage or
            -- event says nothing about an account (and the other way round).
            {%- for column in ['score_bands', 'lifecycle_stages', 'event_type', 'property_key', 'property_operator', 'property_value', 'event_within_days'] %}
            when {{ rule_target }} = 'account' and nullif(trim(rules.{{ column }}), '') is not null
                then '{{ column }} is a lead condition: an account rule (target account) takes account_state, min_account_score and min_engaged_leads'
            {%- endfor %}
            {%- for column in ['account_state', 'min_account_score', 'min_engaged_leads'] %}
            when {{ rule_target }} = 'lead' and nullif(trim(rules.{{ column }}), '') is not null
                then '{{ column }} is an account condition: set target to account, or leave it empty'
            {%- endfor %}
            when {{ rule_target }} = 'account' and nullif(trim(rules.account_state), '') is null
                and nullif(trim(rules.min_account_score), '') is null and nullif(trim(rules.min_engaged_leads), '') is null
                then 'the account rule has no condition: give account_state, min_account_score or min_engaged_leads'
            when {{ rule_target }} = 'account' and lower(trim(rules.account_state)) not in ('{{ account_activation_states() | join("', '") }}')
                then 'account_state must be {{ account_activation_states() | join(" or ") }}, got ''' || rules.account_state || ''''
            when {{ is_bad_number('rules.min_account_score') }}
                then 'min_account_score must be a number, got ''' || rules.min_account_score || ''''
            when {{ is_bad_number('rules.min_engaged_leads') }} or {{ as_number('rules.min_engaged_leads') }} < 1
                or {{ as_number('rules.min_engaged_leads') }} != floor({{ as_number('rules.min_engaged_leads') }})
                then 'min_engaged_leads must be a whole number of at least 1, got ''' || rules.min_engaged_leads || ''''
            when {{ rule_target }} = 'lead'
                and {{ activation_list('rules.score_bands') }} is null and {{ activation_list('rules.lifecycle_stages') }} is null
                and nullif(trim(rules.event_type), '') is null
                then 'the rule has no condition: give score_bands, lifecycle_stages or an event_type'
            when nullif(trim(rules.event_type), '') is not null and event_types.event_type is null
                then 'unknown event_type ''' || rules.event_type || ''' (see seed event_types)'
            when (nullif(trim(rules.property_key), '') is null) != (nullif(trim(rules.property_value), '') is null)
                then 'property_key and property_value go together'
            when nullif(trim(rules.property_key), '') is not null and nullif(trim(rules.event_type), '') is null
                then 'a property condition needs an event_type'
            when {{ property_condition_problem('rules.property_key', 'rules.property_operator', 'rules.property_value') }} is not null
                then {{ property_condition_problem('rules.property_key', 'rules.property_operator', 'rules.property_value') }}
            when nullif(trim(rules.event_type), '') is not null
                and ({{ is_bad_number('rules.event_within_days') }} or {{ as_number('rules.event_within_days') }} is null
                     or {{ as_number('rules.event_within_days') }} < 1
                     or {{ as_number('rules.event_within_days') }} != floor({{ as_number('rules.event_within_days') }}))
                then 'event_within_days must be a whole number of at least 1 when the rule names an event, got ''' || coalesce(rules.event_within_days, '') || ''''
            when nullif(trim(rules.event_type), '') is null and nullif(trim(rules.event_within_days), '') is not null
                then 'event_within_days without an event_type'
            when lower(coalesce(trim(rules.trigger_on), '')) not in ('enter', 'exit')
                then 'trigger_on must be enter or exit, got ''' || coalesce(rules.trigger_on, '') || ''''
            {%- for target in ['lead', 'account'] %}
            when {{ rule_target }} = '{{ target }}'
                and lower(coalesce(trim(rules.retrigger), '')) not in ('{{ activation_retrigger_policies(target) | join("', '") }}')
                then 'retrigger must be {{ activation_retrigger_policies(target) | join(", ") }}{{ " for an account rule" if target == "account" }}, got ''' || coalesce(rules.retrigger, '') || ''''
            {%- endfor %}
            when {{ is_bad_number('rules.deliver_within_days') }} or {{ as_number('rules.deliver_within_days') }} is null
                or {{ as_number('rules.deliver_within_days') }} < 1
                or {{ as_number('rules.deliver_within_days') }} != floor({{ as_number('rules.deliver_within_days') }})
                then 'deliver_within_days must be a whole number of at least 1, got ''' || coalesce(rules.deliver_within_days, '') || ''''
            when {{ as_id('rules.destination') }} is null then 'destination is empty'
            when {{ dbt.position("' '", 'trim(rules.destination)') }} > 0 or {{ dbt.position("'/'", 'rules.destination') }} > 0
                or {{ dbt.position("'.'", 'rules.destination') }} > 0
                then 'destination must be one word (it names an outbox folder), got ''' || rules.destination || ''''
            when {{ is_bad_flag('rules.is_active') }} then 'is_active must be true or false'
        end as problem
    from activation_rules as rules
    left join models on {{ as_id('rules.model_id') }} = {{ as_id('models.model_id') }}
    left join event_types on lower(trim(rules.event_type)) = event_types.event_type

    union all

    select 'activation_rules' as seed_name, null as model_id, {{ as_id('action_id') }} as rule_id,
        'action_id appears ' || {{ duplicate_times('action_id') }} as problem
    from activation_rules
    where {{ as_id('action_id') }} is not null
    group by {{ as_id('action_id') }}
    having count(*) > 1

    union all

    select 'activation_suppressions' as seed_name, null as model_id, suppressions.suppression as rule_id,
        case
            when {{ as_id('suppressions.suppression') }} is null then 'suppression is empty'
            when lower(coalesce(trim(suppressions.kind), '')) not in ('event', 'stage', 'account_stage')
                then 'kind must be event, stage or account_stage, got ''' || coalesce(suppressions.kind, '') || ''''
            when lower(trim(suppressions.kind)) = 'account_stage'
                and lower(coalesce(trim(suppressions.value), '')) not in ('{{ account_stage_names() | join("', '") }}')
                then 'unknown account stage ''' || coalesce(suppressions.value, '') || ''' (one of {{ account_stage_names() | join(", ") }})'
            when lower(trim(suppressions.kind)) = 'event' and event_types.event_type is null
                then 'unknown event type ''' || coalesce(suppressions.value, '') || ''' (see seed event_types)'
            when lower(trim(suppressions.kind)) = 'stage'
                and lower(coalesce(trim(suppressions.value), '')) not in ('{{ lifecycle_stage_names() | join("', '") }}')
                then 'unknown stage ''' || coalesce(suppressions.value, '') || ''' (one of {{ lifecycle_stage_names() | join(", ") }})'
            when {{ is_bad_flag('suppressions.is_active') }} then 'is_active must be true or false'
        end as problem
    from activation_suppressions as suppressions
    left join event_types on lower(trim(suppressions.value)) = event_types.event_type

    union all

    select * from activation_list_problems

),

model_problems as (

    select 'scoring_models' as seed_name, model_id, cast(null as {{ dbt.type_string() }}) as rule_id,
        case
            when {{ as_id('model_id') }} is null then 'model_id is empty'
            when {{ is_bad_number('mql_threshold') }} or {{ as_number('mql_threshold') }} is null
                then 'mql_threshold must be a number, got ''' || coalesce(mql_threshold, '') || ''''
            when {{ as_number('mql_threshold') }} <= 0 then 'mql_threshold must be positive'
            when {{ is_bad_number('nurture_min_score') }} or {{ is_bad_number('fit_grade_a_min') }}
                or {{ is_bad_number('fit_grade_b_min') }} or {{ is_bad_number('fit_grade_c_min') }}
                or {{ is_bad_number('engagement_level_1_min') }} or {{ is_bad_number('engagement_level_2_min') }}
                or {{ is_bad_number('engagement_level_3_min') }}
                then 'band, grade and level cut-offs must be numbers'
            when {{ as_number('nurture_min_score') }} >= {{ as_number('mql_threshold') }}
                then 'nurture_min_score must be below mql_threshold'
            when not ({{ as_number('fit_grade_a_min') }} > {{ as_number('fit_grade_b_min') }}
                      and {{ as_number('fit_grade_b_min') }} > {{ as_number('fit_grade_c_min') }})
                then 'fit grade cut-offs must fall from A to C (a > b > c)'
            when not ({{ as_number('engagement_level_1_min') }} > {{ as_number('engagement_level_2_min') }}
                      and {{ as_number('engagement_level_2_min') }} > {{ as_number('engagement_level_3_min') }})
                then 'engagement level cut-offs must fall from 1 to 3 (1 > 2 > 3)'
            when {{ is_bad_flag('is_primary') }} then 'is_primary must be true or false'
            when {{ recycle_policy('recycle_policy') }} not in ({{ "'" ~ recycle_policies() | join("', '") ~ "'" }})
                then 'recycle_policy must be {{ recycle_policies() | join(" or ") }}, got ''' || recycle_policy || ''''
        end as problem
    from models

    union all

    select 'scoring_models' as seed_name, {{ as_id('model_id') }} as model_id, null as rule_id, 'model_id appears ' || {{ duplicate_times('model_id') }} as problem
    from models
    where {{ as_id('model_id') }} is not null
    group by {{ as_id('model_id') }}
    having count(*) > 1

    union all

    select 'scoring_models' as seed_name, null as model_id, null as rule_id,
        'exactly one model must have is_primary = true, found ' || cast(count(case when {{ as_flag('is_primary') }} then 1 end) as {{ dbt.type_string() }}) as problem
    from models
    having count(case when {{ as_flag('is_primary') }} then 1 end) != 1

),

fit_problems as (

    select 'scoring_fit_rules' as seed_name, fit_rules.model_id, fit_rules.rule_id,
        case
            when {{ as_id('fit_rules.rule_id') }} is null then 'rule_id is empty'
            when models.model_id is null then 'model_id ''' || coalesce(fit_rules.model_id, '') || ''' is not in scoring_models'
            when {{ is_bad_number('fit_rules.points') }} or {{ as_number('fit_rules.points') }} is null
                then 'points must be a number, got ''' || coalesce(fit_rules.points, '') || ''''
            when lower(fit_rules.attribute) not in ('company_size', 'industry', 'job_title', 'country_code', 'lead_source', 'campaign')
                or fit_rules.attribute is null
                then 'attribute ''' || coalesce(fit_rules.attribute, '') || ''' is not one of company_size, industry, job_title, country_code, lead_source, campaign'
            when lower(fit_rules.attribute) = 'company_size' and lower(coalesce(fit_rules.operator, '')) != 'between'
                then 'company_size rules use the operator between'
            when lower(fit_rules.attribute) != 'company_size' and lower(coalesce(fit_rules.operator, '')) not in ('in', 'contains_any')
                then 'text attributes use the operator in or contains_any, got ''' || coalesce(fit_rules.operator, '') || ''''
            when lower(fit_rules.operator) = 'between' and ({{ is_bad_number('fit_rules.min_value') }} or {{ is_bad_number('fit_rules.max_value') }})
                then 'min_value and max_value must be numbers'
            when lower(fit_rules.operator) = 'between' and {{ as_number('fit_rules.min_value') }} is null and {{ as_number('fit_rules.max_value') }} is null
                then 'between needs min_value or max_value'
            when lower(fit_rules.operator) = 'between' and {{ as_number('fit_rules.min_value') }} > {{ as_number('fit_rules.max_value') }}
                then 'min_value is above max_value: the rule can never match'
            when lower(fit_rules.operator) in ('in', 'contains_any') and nullif(trim(fit_rules.match_values), '') is null
                then 'match_values is empty: the rule can never match'
            when {{ is_bad_flag('fit_rules.required_for_mql') }} then 'required_for_mql must be true or false'
        end as problem
    from fit_rules
    left join models on {{ as_id('fit_rules.model_id') }} = {{ as_id('models.model_id') }}

    union all

    select 'scoring_fit_rules' as seed_name, {{ as_id('model_id') }} as model_id, {{ as_id('rule_id') }} as rule_id,
        'rule_id appears ' || {{ duplicate_times('rule_id') }} || ' in this model' as problem
    from fit_rules
    where {{ as_id('rule_id') }} is not null
    group by {{ as_id('model_id') }}, {{ as_id('rule_id') }}
    having count(*) > 1

),

engagement_problems as (

    select 'scoring_engagement_rules' as seed_name, rules.model_id, rules.rule_id,
        case
            when {{ as_id('rules.rule_id') }} is null then 'rule_id is empty'
            when models.model_id is null then 'model_id ''' || coalesce(rules.model_id, '') || ''' is not in scoring_models'
            when event_types.event_type is null then 'unknown event_type ''' || coalesce(rules.event_type, '') || ''' (see seed event_types)'
            when {{ is_bad_number('rules.points') }} or {{ as_number('rules.points') }} is null
                then 'points must be a number, got ''' || coalesce(rules.points, '') || ''''
            when {{ is_bad_number('rules.max_per_day') }} or {{ as_number('rules.max_per_day') }} < 1
                or {{ as_number('rules.max_per_day') }} != floor({{ as_number('rules.max_per_day') }})
                then 'max_per_day must be a whole number of at least 1'
            when {{ is_bad_number('rules.max_points') }} or {{ as_number('rules.max_points') }} <= 0
                then 'max_points must be a positive number'
            when {{ is_bad_number('rules.window_days') }} or {{ as_number('rules.window_days') }} < 1
                or {{ as_number('rules.window_days') }} != floor({{ as_number('rules.window_days') }})
                then 'window_days must be a whole number of at least 1'
            when {{ is_bad_number('rules.half_life_days') }} then 'half_life_days must be a number, got ''' || rules.half_life_days || ''''
            when {{ as_number('rules.half_life_days') }} <= 0 then 'half_life_days must be positive, got ' || rules.half_life_days
            when {{ as_number('rules.half_life_days') }} < 1 then 'half_life_days must be at least 1'
            when {{ is_bad_number('rules.min_count') }} or {{ as_number('rules.min_count') }} < 1
                or {{ as_number('rules.min_count') }} != floor({{ as_number('rules.min_count') }})
                then 'min_count must be a whole number of at least 1'
            when {{ as_number('rules.min_count') }} is not null and {{ as_number('rules.half_life_days') }} is not null
                then 'a count rule (min_count) cannot decay: remove half_life_days'
            when {{ as_number('rules.points') }} < 0 and {{ as_number('rules.half_life_days') }} is not null
                then 'negative points cannot decay (a fading penalty would raise scores between events): use window_days instead'
            when (nullif(trim(rules.property_key), '') is null) != (nullif(trim(rules.property_value), '') is null)
                then 'property_key and property_value go together'
            when {{ property_condition_problem('rules.property_key', 'rules.property_operator', 'rules.property_value') }} is not null
                then {{ property_condition_problem('rules.property_key', 'rules.property_operator', 'rules.property_value') }}
            when {{ is_bad_flag('rules.required_for_mql') }} then 'required_for_mql must be true or false'
            when {{ as_flag('rules.required_for_mql') }} and {{ as_number('rules.min_count') }} is not null
                and {{ as_number('rules.window_days') }} is not null and {{ as_number('rules.max_per_day') }} is not null
                and {{ as_number('rules.min_count') }} > {{ as_number('rules.max_per_day') }} * {{ as_number('rules.window_days') }}
                then 'required rule can never hold: min_count exceeds max_per_day x window_days'
        end as problem
    from engagement_rules as rules
    left join models on {{ as_id('rules.model_id') }} = {{ as_id('models.model_id') }}
    left join event_types on lower(trim(rules.event_type)) = event_types.event_type

    union all

    select 'scoring_engagement_rules' as seed_name, {{ as_id('model_id') }} as model_id, {{ as_id('rule_id') }} as rule_id,
        'rule_id appears ' || {{ duplicate_times('rule_id') }} || ' in this model' as problem
    from engagement_rules
    where {{ as_id('rule_id') }} is not null
    group by {{ as_id('model_id') }}, {{ as_id('rule_id') }}
    having count(*) > 1

),

account_problems as (

    select 'account_scoring' as seed_name, settings.model_id, cast(null as {{ dbt.type_string() }}) as rule_id,
        case
            when {{ as_id('settings.model_id') }} is null then 'model_id is empty'
            when models.model_id is null then 'model_id ''' || settings.model_id || ''' is not in scoring_models'
            when {{ is_bad_number('settings.top_engagement_leads') }} or {{ as_number('settings.top_engagement_leads') }} is null
                or {{ as_number('settings.top_engagement_leads') }} < 1
                or {{ as_number('settings.top_engagement_leads') }} != floor({{ as_number('settings.top_engagement_leads') }})
                then 'top_engagement_leads must be a whole number of at least 1, got ''' || coalesce(settings.top_engagement_leads, '') || ''''
            when {{ is_bad_flag('settings.add_best_fit') }} then 'add_best_fit must be true or false'
            when {{ is_bad_number('settings.mqa_threshold') }} or {{ as_number('settings.mqa_threshold') }} is null
                or {{ as_number('settings.mqa_threshold') }} <= 0
                then 'mqa_threshold must be a positive number, got ''' || coalesce(settings.mqa_threshold, '') || ''''
            when {{ is_bad_number('settings.min_engaged_leads') }} or {{ as_number('settings.min_engaged_leads') }} < 0
                or {{ as_number('settings.min_engaged_leads') }} != floor({{ as_number('settings.min_engaged_leads') }})
                then 'min_engaged_leads must be a whole number of at least 0, got ''' || coalesce(settings.min_engaged_leads, '') || ''''
            when {{ is_bad_number('settings.engaged_lead_min_engagement') }} or {{ as_number('settings.engaged_lead_min_engagement') }} is null
                or {{ as_number('settings.engaged_lead_min_engagement') }} <= 0
                then 'engaged_lead_min_engagement must be a positive number, got ''' || coalesce(settings.engaged_lead_min_engagement, '') || ''''
            when {{ is_bad_number('settings.engaged_account_min_engagement') }} or {{ as_number('settings.engaged_account_min_engagement') }} is null
                or {{ as_number('settings.engaged_account_min_engagement') }} <= 0
                then 'engaged_account_min_engagement must be a positive number, got ''' || coalesce(settings.engaged_account_min_engagement, '') || ''''
        end as problem
    from account_scoring as settings
    left join models on {{ as_id('settings.model_id') }} = {{ as_id('models.model_id') }}

    union all

    select 'account_scoring' as seed_name, {{ as_id('model_id') }} as model_id, null as rule_id,
        'model_id appears ' || {{ duplicate_times('model_id') }} as problem
    from account_scoring
    where {{ as_id('model_id') }} is not null
    group by {{ as_id('model_id') }}
    having count(*) > 1

    union all

    -- Every scoring model needs its account settings, or its accounts would silently have no score.
    select 'account_scoring' as seed_name, {{ as_id('models.model_id') }} as model_id, null as rule_id,
        'no row for scoring model ''' || {{ as_id('models.model_id') }} || '''' as problem
    from models
    left join account_scoring as settings on {{ as_id('settings.model_id') }} = {{ as_id('models.model_id') }}
    where {{ as_id('models.model_id') }} is not null and settings.model_id is null

),

all_problems as (

    select * from model_problems
    union all
    select * from fit_problems
    union all
    select * from engagement_problems
    union all
    select * from activation_rule_problems
    union all
    select * from mapping_problems
    union all
    select * from account_problems

),

final as (

    select seed_name, model_id, rule_id, problem
    from all_problems
    where problem is not null

)

select * from final
