-- Engagement resets: under recycle_policy reset_engagement, each sales rejection restarts the
-- lead's engagement from zero for MQL purposes (only events after the rejection count toward its
-- next MQL episode; fit stays). One row per such scoring model, lead and rejection; empty when no
-- model uses the policy. The total score is not reset: int_lead_engagement_rule_states keeps the
-- engagement of these leads twice, once for the total and once cut at the resets for the MQL score.

with

models as (

    select model_id from {{ ref('int_scoring_models') }}
    where recycle_policy = 'reset_engagement'

),

rejections as (

    select event_id, lead_id, occurred_at, occurred_on
    from {{ ref('stg_raw__events') }}
    where event_type = 'sales_rejected'

),

final as (

    select
        models.model_id,
        rejections.lead_id,
        rejections.event_id as rejection_event_id,
        rejections.occurred_at as reset_at,
        rejections.occurred_on as reset_on
    from models
    cross join rejections

)

select * from final
