-- Fit rules with typed settings, one row per rule and match value (match_values split on '|'),
-- so a rule matches when any of its rows does.
-- depends_on: {{ ref('int_scoring_config_problems') }}

with

rules as (

    select * from {{ ref('scoring_fit_rules') }}

),

value_positions as (

    {{ integer_series(50) }}

),

typed as (

    select
        {{ as_id('model_id') }} as model_id,
        {{ as_id('rule_id') }} as rule_id,
        description,
        lower(trim(attribute)) as attribute,
        lower(trim(operator)) as operator,
        lower(nullif(trim(match_values), '')) as match_values,
        {{ as_number('min_value') }} as min_value,
        {{ as_number('max_value') }} as max_value,
        {{ as_number('points') }} as points,
        {{ as_flag('required_for_mql') }} as is_required_for_mql
    from rules

),

split as (

    select
        typed.model_id,
        typed.rule_id,
        typed.description,
        typed.attribute,
        typed.operator,
        nullif(trim({{ dbt.split_part('typed.match_values', "'|'", 'value_positions.n') }}), '') as match_value,
        typed.min_value,
        typed.max_value,
        typed.points,
        typed.is_required_for_mql
    from typed
    inner join value_positions
        on value_positions.n <= {{ dbt.length('typed.match_values') }} - {{ dbt.length(dbt.replace('typed.match_values', "'|'", "''")) }} + 1
    where typed.operator in ('in', 'contains_any')

),

ranges as (

    select
        model_id,
        rule_id,
        description,
        attribute,
        operator,
        cast(null as {{ dbt.type_string() }}) as match_value,
        min_value,
        max_value,
        points,
        is_required_for_mql
    from typed
    where operator = 'between'

),

final as (

    select * from split
    where match_value is not null
    union all
    select * from ranges

)

select * from final
