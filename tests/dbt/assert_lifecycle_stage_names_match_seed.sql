-- The stage names the models are compiled with (macro lifecycle_stage_names) are the seed
-- lifecycle_stages: the same stages, in the seed's stage_order, with the same main path. Returns
-- each stage where the two differ; a stage added to the seed needs SQL too (its own columns).
{%- set main_path = lifecycle_stage_names(main_path_only=true) %}

with

seed_stages as (

    select
        stage,
        is_main_path,
        row_number() over (order by stage_order) as stage_position
    from {{ ref('lifecycle_stages') }}

),

macro_stages as (

    {%- for stage in lifecycle_stage_names() %}
    select
        '{{ stage }}' as stage,
        {{ 'true' if stage in main_path else 'false' }} as is_main_path,
        {{ loop.index }} as stage_position
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

final as (

    select
        coalesce(seed_stages.stage, macro_stages.stage) as stage,
        seed_stages.stage_position as seed_position,
        macro_stages.stage_position as macro_position,
        seed_stages.is_main_path as seed_is_main_path,
        macro_stages.is_main_path as macro_is_main_path
    from seed_stages
    full outer join macro_stages on macro_stages.stage = seed_stages.stage
    where seed_stages.stage is null
       or macro_stages.stage is null
       or seed_stages.stage_position != macro_stages.stage_position
       or seed_stages.is_main_path != macro_stages.is_main_path

)

select * from final
