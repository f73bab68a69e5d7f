-- The lifecycle fingerprint each lead's rows were last restated with, one row per lead: what
-- int_lead_lifecycle_scope compares the next run's fingerprints with.
--
-- Built after every model the lifecycle scope restates (the depends_on lines below; a new one
-- joins them), and only when they all succeeded, so a run that stops part-way leaves the old
-- fingerprints here and the next run restates the same leads again.
{{ restated_by_lead('int_lead_lifecycle_scope') }}
-- depends_on: {{ ref('fct_lead_mql_episodes') }}
-- depends_on: {{ ref('int_lead_stage_signals_unioned') }}
-- depends_on: {{ ref('int_lead_stage_signals_evaluated') }}
-- depends_on: {{ ref('int_lead_funnel_stages') }}
-- depends_on: {{ ref('int_lead_stages_summarized') }}
-- depends_on: {{ ref('int_lead_threshold_crossings') }}
-- depends_on: {{ ref('int_lead_rule_hits') }}
-- depends_on: {{ ref('int_lead_current_rule_states') }}
-- depends_on: {{ ref('int_lead_activation_edges') }}
-- depends_on: {{ ref('int_lead_score_band_spans') }}
-- depends_on: {{ ref('mart_lead_scores_current') }}
-- depends_on: {{ ref('dim_leads') }}
-- depends_on: {{ ref('mart_crm_lead_sync') }}

with

scope as (

    select lead_id, lifecycle_fingerprint, needs_restate from {{ ref('int_lead_lifecycle_scope') }}

),

final as (

    select lead_id, lifecycle_fingerprint
    from scope
    {%- if is_incremental() %}
    where needs_restate
    {%- endif %}

)

select * from final
