-- Which fit rules match which lead, per scoring model: one row per (model, lead, rule) that matches.
-- Fit uses the lead's latest known attributes (the raw export carries no attribute history).
--
-- Same matching as macro fit_rule_matches, arranged so that each lead's text is prepared once
-- (lower-cased, and split into words for contains_any) rather than once per lead and rule, and
-- `in` rules are an equality join. (At 1M leads the cross join of leads and rule values with the
-- text prepared per pair cost 26 s.) Incremental like the other scoring models: a run matches the
-- leads it rescores only (int_lead_scoring_scope; a scoring seed edit rescores every lead).
{{ restated_by_lead() }}

{%- set text_attributes = ['industry', 'job_title', 'country_code', 'lead_source', 'campaign'] %}

with

leads as (

    select leads.*
    from {{ ref('stg_raw__leads') }} as leads
    {{ leads_in_scoring_scope('leads') }}

),

fit_rules as (

    select * from {{ ref('int_fit_rules') }}

),

lead_texts as (

    {%- for attribute in text_attributes %}
    select
        lead_id,
        '{{ attribute }}' as attribute,
        lower({{ attribute }}) as value,
        {{ fit_match_words(attribute) }} as words
    from leads
    where {{ attribute }} is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

rule_hits as (

    select fit_rules.model_id, lead_texts.lead_id, fit_rules.rule_id, fit_rules.points, fit_rules.is_required_for_mql
    from fit_rules
    inner join lead_texts
        on lead_texts.attribute = fit_rules.attribute
        and lead_texts.value = fit_rules.match_value
    where fit_rules.operator = 'in'

    union all

    select fit_rules.model_id, lead_texts.lead_id, fit_rules.rule_id, fit_rules.points, fit_rules.is_required_for_mql
    from fit_rules
    inner join lead_texts
        on lead_texts.attribute = fit_rules.attribute
    where fit_rules.operator = 'contains_any'
      and {{ dbt.position("' ' || fit_rules.match_value || ' '", 'lead_texts.words') }} > 0

    union all

    select fit_rules.model_id, leads.lead_id, fit_rules.rule_id, fit_rules.points, fit_rules.is_required_for_mql
    from fit_rules
    cross join leads
    where fit_rules.operator = 'between'
      and {{ fit_rule_matches('fit_rules', 'leads') }}

),

matches as (

    select
        model_id,
        lead_id,
        rule_id,
        max(points) as points,
        max(case when is_required_for_mql then 1 else 0 end) = 1 as is_required_for_mql
    from rule_hits
    group by model_id, lead_id, rule_id

),

final as (

    select * from matches

)

select * from final
