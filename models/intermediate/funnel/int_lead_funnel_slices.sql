-- The slices every funnel mart is cut by, in one place: one row per scoring model, lead and slice
-- (slice_name, slice_value), the lead's value of each attribute plus slice "all". A mart joins
-- its lead-level rows to this model and groups by slice_name, slice_value, so each slice's rows
-- add up to the "all" row. Missing attribute values are 'unknown'.
--
-- Incremental by lead (int_lead_lifecycle_scope): a lead's slices come from its funnel stages
-- row alone, so a run writes the slices of the leads it restates, not a lead x slice fan-out of
-- every lead.
{{ restated_by_lead('int_lead_lifecycle_scope') }}
{%- set slices = [
    ('channel', 'lead_source'),
    ('campaign', 'campaign'),
    ('industry', 'industry'),
    ('company_size_band', 'company_size_band'),
    ('country', 'country_code'),
    ('fit_grade', 'fit_grade'),
] %}

with

leads as (

    select leads.*
    from {{ ref('int_lead_funnel_stages') }} as leads
    {{ leads_in_scoring_scope('leads', 'int_lead_lifecycle_scope') }}

),

final as (

    select model_id, lead_id, 'all' as slice_name, 'all' as slice_value
    from leads
    {%- for slice_name, column in slices %}
    union all
    select model_id, lead_id, '{{ slice_name }}' as slice_name, coalesce({{ dbt.cast(column, dbt.type_string()) }}, 'unknown') as slice_value
    from leads
    {%- endfor %}

)

select * from final
