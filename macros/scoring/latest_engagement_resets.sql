{#- Per (model, lead): the latest sales rejection on or before D that reset the lead's engagement
    for MQL purposes (recycle_policy reset_engagement) - only events after it count toward the MQL
    score on D. -#}
{% macro latest_engagement_resets(as_of_date) -%}
    select model_id, lead_id, max(reset_at) as mql_engagement_after
    from {{ ref('int_lead_engagement_resets') }}
    where reset_on <= {{ as_of_date }}
    group by model_id, lead_id
{%- endmacro %}
