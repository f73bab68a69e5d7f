-- The active activation rules, of leads and of accounts (target), with typed settings. Seed activation_rules is validated first
-- (int_scoring_config_problems), so every cell read here is known to be well formed.
-- depends_on: {{ ref('int_scoring_config_problems') }}

with

rules as (

    select * from {{ ref('activation_rules') }}

),

typed_rules as (

    select
        {{ as_id('action_id') }} as action_id,
        description,
        {{ as_id('model_id') }} as model_id,
        {{ activation_list('score_bands') }} as score_bands,
        {{ activation_list('lifecycle_stages') }} as lifecycle_stages,
        lower(nullif(trim(event_type), '')) as event_type,
        nullif(trim(property_key), '') as property_key,
        lower(nullif(trim(property_operator), '')) as property_operator,
        lower(nullif(trim(property_value), '')) as property_value,
        cast({{ as_number('event_within_days') }} as {{ dbt.type_int() }}) as event_within_days,
        lower(trim(trigger_on)) as trigger_on,
        lower(trim(retrigger)) as retrigger,
        cast({{ as_number('deliver_within_days') }} as {{ dbt.type_int() }}) as deliver_within_days,
        trim(destination) as destination,
        -- What the rule acts on (empty: lead), and an account rule's conditions (int_account_activation_edges).
        coalesce(lower(nullif(trim(target), '')), 'lead') as target_type,
        lower(nullif(trim(account_state), '')) as account_state,
        cast({{ as_number('min_account_score') }} as {{ type_double() }}) as min_account_score,
        cast({{ as_number('min_engaged_leads') }} as {{ dbt.type_int() }}) as min_engaged_leads
    from rules
    where {{ as_flag('is_active') }}

),

final as (

    select
        typed_rules.*,
        models.is_primary as is_primary_model
    from typed_rules
    inner join {{ ref('int_scoring_models') }} as models
        on models.model_id = typed_rules.model_id

)

select * from final
