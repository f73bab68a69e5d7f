-- Feedback per score band: one row per scoring model and band (cold, nurture, hot_blocked, hot)
-- with the feedback-scope leads whose score peaked in that band before sales qualified them, how
-- many reached sql, opportunity and customer (won), the rates, and lift = band rate / the model's
-- overall rate. Rates should rise with the band; is_below_lower_band marks a band whose
-- opportunity rate is lower than the band beneath it (a finding for the rule owners). hot_blocked
-- (at or above the threshold, a gate failing) exists only for models with required rules: its
-- rates against hot's tell whether the gates hold back leads that convert.

with

outcomes as (

    select * from {{ ref('int_lead_feedback_outcomes') }}

),

models as (

    select model_id, is_primary from {{ ref('int_scoring_models') }}

),

gates as (

    select * from {{ ref('int_scoring_model_gate_counts') }}

),

bands as (

    select * from {{ ref('dim_score_bands') }}

),

per_band as (

    select
        model_id,
        peak_score_band as score_band,
        count(*) as leads,
        count(case when reached_sql then 1 end) as sql_leads,
        count(case when reached_opportunity then 1 end) as opportunity_leads,
        count(case when reached_customer then 1 end) as won_leads
    from outcomes
    group by model_id, peak_score_band

),

overall as (

    select
        model_id,
        {{ safe_ratio('count(case when reached_sql then 1 end)', 'count(*)') }} as overall_sql_rate,
        {{ safe_ratio('count(case when reached_opportunity then 1 end)', 'count(*)') }} as overall_opportunity_rate,
        {{ safe_ratio('count(case when reached_customer then 1 end)', 'count(*)') }} as overall_won_rate
    from outcomes
    group by model_id

),

rated as (

    select
        models.model_id,
        models.is_primary as is_primary_model,
        bands.score_band,
        bands.band_order,
        coalesce(per_band.leads, 0) as leads,
        coalesce(per_band.sql_leads, 0) as sql_leads,
        coalesce(per_band.opportunity_leads, 0) as opportunity_leads,
        coalesce(per_band.won_leads, 0) as won_leads,
        {{ safe_ratio('per_band.sql_leads', 'per_band.leads') }} as sql_rate,
        {{ safe_ratio('per_band.opportunity_leads', 'per_band.leads') }} as opportunity_rate,
        {{ safe_ratio('per_band.won_leads', 'per_band.leads') }} as won_rate,
        overall.overall_sql_rate,
        overall.overall_opportunity_rate,
        overall.overall_won_rate
    from models
    inner join gates on gates.model_id = models.model_id
    cross join bands
    left join per_band
        on per_band.model_id = models.model_id
        and per_band.score_band = bands.score_band
    left join overall on overall.model_id = models.model_id
    where bands.score_band != 'hot_blocked'
       or gates.required_fit_rules + gates.required_engagement_rules > 0

),

final as (

    select
        model_id,
        is_primary_model,
        score_band,
        band_order,
        leads,
        sql_leads,
        opportunity_leads,
        won_leads,
        sql_rate,
        opportunity_rate,
        won_rate,
        {{ safe_ratio('sql_rate', 'overall_sql_rate') }} as sql_lift,
        {{ safe_ratio('opportunity_rate', 'overall_opportunity_rate') }} as opportunity_lift,
        {{ safe_ratio('won_rate', 'overall_won_rate') }} as won_lift,
        coalesce(opportunity_rate < lag(opportunity_rate) over (partition by model_id order by band_order), false) as is_below_lower_band,
        {{ scoring_as_of_date() }} as as_of_date
    from rated

)

select * from final
