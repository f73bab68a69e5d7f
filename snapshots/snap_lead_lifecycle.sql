{#- Each lead's lifecycle stage, band and score as the pipeline saw them, one row per version
    (SCD type 2). Derived history (fct_lead_stage_transitions) is rebuilt from the sources on
    every run and backfills the past; this snapshot records what each run saw, so it keeps
    history the sources do not (overwritten lead attributes, corrected or deleted CRM events,
    scoring rule changes).
    Only meaningful changes open a new version: the score is the total at its last change,
    rounded to whole points - the daily decay between events does not count; band, grade and
    level do, since they are what users act on. -#}
{% snapshot snap_lead_lifecycle %}

{{
    config(
        unique_key='lead_id',
        strategy='check',
        check_cols=[
            'current_stage',
            'current_stage_entered_at',
            'mql_count',
            'score_band',
            'fit_grade',
            'engagement_level',
            'total_score_points',
        ],
    )
}}

with

leads as (

    select * from {{ ref('dim_leads') }}

),

final as (

    select
        lead_id,
        primary_model_id,
        current_stage,
        current_stage_entered_at,
        furthest_stage,
        mql_count,
        score_band,
        fit_grade,
        engagement_level,
        cast({{ round_number('total_score_at_last_change') }} as {{ dbt.type_int() }}) as total_score_points,
        as_of_date as observed_on
    from leads

)

select * from final

{% endsnapshot %}
