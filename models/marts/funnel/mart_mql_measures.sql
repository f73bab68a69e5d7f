-- The MQL measures of seed mql_measures, in one place: one row per scoring model, slice and
-- measure with the measure's label, definition and value, over every lead created on or before
-- the scoring day and all its MQL episodes up to it. The summary, the dashboard and the benchmark
-- check take their MQL figures and labels from here; for a narrower range the dashboard and the
-- semantic layer count the same lead-level columns of fct_lead_funnel, so the whole-history
-- figures agree everywhere (tests/integration/test_mql_measures.py). Slices: those of the funnel marts, plus
-- today's score band.
{%- set measure_values = [
    ('leads', 'leads'),
    ('mql_leads', 'mql_leads'),
    ('mql_lead_share', safe_ratio('mql_leads', 'leads')),
    ('mql_episodes', 'mql_episodes'),
    ('first_time_mqls', 'mql_leads'),
    ('re_mqls', 'mql_episodes - mql_leads'),
    ('in_order_mqls', 'in_order_mqls'),
    ('lead_to_mql_rate', safe_ratio('in_order_mqls', 'leads')),
    ('mql_or_later_leads', 'mql_or_later_leads'),
    ('median_days_to_mql', round_number('median_days_to_mql', 1)),
] %}
{%- set slices = funnel_slices() + [('score_band', 'score_band')] %}

with

funnel_leads as (

    select * from {{ ref('fct_lead_funnel') }}

),

current_scores as (

    select model_id, lead_id, score_band from {{ ref('mart_lead_scores_current') }}

),

measures as (

    select * from {{ ref('mql_measures') }}

),

-- Each lead with its slice values: the funnel's, and today's score band.
leads as (

    select
        funnel_leads.*
        {{- funnel_slice_columns('funnel_leads') }}
        {{- funnel_slice_columns('current_scores', [('score_band', 'score_band')]) }}
    from funnel_leads
    left join current_scores
        on current_scores.model_id = funnel_leads.model_id
        and current_scores.lead_id = funnel_leads.lead_id

),

-- The lead-level terms: first_mql_at marks a lead that became an MQL (and its first-time MQL),
-- mql_episodes its episodes, the in-order and any-stage times the funnel's two views of mql.
per_slice as (

    select
        model_id,
        is_primary_model,
        {{ funnel_slice_name_value(slices) }},
        count(*) as leads,
        count(first_mql_at) as mql_leads,
        sum(mql_episodes) as mql_episodes,
        count(mql_reached_in_order_at) as in_order_mqls,
        count(mql_reached_at) as mql_or_later_leads,
        {{ percentile_cont('days_to_mql', 0.5) }} as median_days_to_mql
    from leads
    group by {{ funnel_slice_grouping_sets(['model_id', 'is_primary_model'], slices) }}  -- noqa: PRS

),

measured as (

    {%- for measure, expression in measure_values %}
    select
        model_id,
        is_primary_model,
        slice_name,
        slice_value,
        '{{ measure }}' as measure,
        cast({{ expression }} as {{ type_double() }}) as value
    from per_slice
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

-- Left join: a measure missing from the seed keeps its row and fails the label's not_null constraint.
final as (

    select
        measured.model_id,
        measured.is_primary_model,
        measured.slice_name,
        measured.slice_value,
        cast(measures.measure_order as {{ dbt.type_int() }}) as measure_order,
        measured.measure,
        measures.label,
        measures.unit,
        measures.dated_by,
        measures.definition,
        measured.value,
        {{ scoring_as_of_date() }} as as_of_date
    from measured
    left join measures on measures.measure = measured.measure

)

select * from final
