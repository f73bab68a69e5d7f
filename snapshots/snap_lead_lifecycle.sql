{#- Each lead's lifecycle stage, band and score as the pipeline saw them, one row per version
    (SCD type 2). Derived history (fct_lead_stage_transitions) is rebuilt from the sources on
    every run and backfills the past; this snapshot records what each run saw, so it keeps
    history the sources do not (overwritten lead attributes, corrected or deleted CRM events,
    scoring rule changes).
    Only meaningful changes open a new version: the score is the total at its last change,
    rounded to whole points - the daily decay between events does not count; band, grade and
    level do, since they are what users act on. Each version also records the scoring
    configuration version live when it was recorded (scoring_config_version): it is not a checked
    column, so a rule edit that leaves a lead's state as it was opens no version, and a version
    keeps the rules it was first seen under. -#}
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

config as (

    select scoring_config_version from {{ ref('int_scoring_config_fingerprint') }}

),

final as (

    select
        leads.lead_id,
        leads.primary_model_id,
        leads.current_stage,
        leads.current_stage_entered_at,
        leads.furthest_stage,
        leads.mql_count,
        leads.score_band,
        leads.fit_grade,
        leads.engagement_level,
        cast({{ round_number('leads.total_score_at_last_change') }} as {{ dbt.type_int() }}) as total_score_points,
        leads.as_of_date as observed_on,
        config.scoring_config_version
    from leads
    cross join config

)

select * from final

{% endsnapshot %}
