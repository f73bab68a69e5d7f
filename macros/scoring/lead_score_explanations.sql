{#- The rows of fct_lead_score_explanations: why each lead has its score today (var
    scoring_as_of_date) and why it is or is not an MQL, decayed from int_lead_current_rule_states
    on read. The view is this macro over every lead; a mart of today's state that recomputes only
    some leads on a run passes `lead_filter`, a condition on the column lead_id applied to the
    rule states, so that only those leads are decayed (a filter on the view is applied after
    every lead's rows are built: its remainder rows are an aggregate); so does a daily data test of
    the view (get_where_subquery), which reads its inputs through model_relation. -#}
{% macro lead_score_explanations(lead_filter=none) -%}
    {%- set as_of = scoring_as_of_date() %}
    {#- Contributions smaller than this (decayed to almost nothing) go into the remainder row. -#}
    {%- set smallest_listed_points = 0.01 %}

    with

    states as (

        select * from {{ model_relation('int_lead_current_rule_states') }}
        {%- if lead_filter %}
        where {{ lead_filter }}
        {%- endif %}

    ),

    engagement_rules as (

        select * from {{ model_relation('int_engagement_rules') }}

    ),

    -- Today's points of each rule: fit points as they are, engagement states decayed from their
    -- state_date to today (rule_points_at; a gate never matched has no state and no points).
    decayed as (

        select
            states.*,
            rules.window_days,
            rules.half_life_days,
            rules.max_points,
            rules.min_count,
            case
                when states.rule_kind = 'fit' then cast(null as {{ dbt.type_float() }})
                when states.state_date is null then 0.0
                else states.weighted_occurrences
                    * {{ decay_factor(dbt.datediff('states.state_date', as_of, 'day'), 'rules.half_life_days') }}
            end as weighted_occurrences_today,
            case
                when states.rule_kind = 'fit' then states.fit_points
                when states.state_date is null then 0.0
                else {{ rule_points_at('states', 'rules', as_of) }}
            end as points,
            case
                when states.rule_kind = 'fit' then states.fit_points
                when states.mql_state_date is null then 0.0
                else {{ rule_points_at('states', 'rules', as_of, chain='mql_') }}
            end as points_for_mql
        from states
        left join engagement_rules as rules
            on rules.model_id = states.model_id
            and rules.rule_id = states.rule_id
            and states.rule_kind = 'engagement'

    ),

    -- Listed: fit rows, gates, count rules with occurrences in the window (points or progress toward
    -- min_count) and rules with at least 0.01 points; the rest with points goes into the remainder.
    classified as (

        select
            decayed.*,
            (
                decayed.rule_kind = 'fit'
                or decayed.is_required_for_mql
                or (decayed.min_count is not null and decayed.occurrences_in_window > 0)
                or abs(decayed.points) >= {{ smallest_listed_points }}
                or abs(decayed.points_for_mql) >= {{ smallest_listed_points }}
            ) as is_listed
        from decayed

    ),

    listed_rows as (

        select
            model_id,
            lead_id,
            rule_kind,
            rule_id,
            description,
            matched_on,
            occurrences_in_window,
            weighted_occurrences_today as weighted_occurrences,
            window_days,
            half_life_days,
            max_points,
            state_date as last_change_date,
            points,
            points_for_mql,
            is_required_for_mql,
            rule_holds,
            holds_for_mql,
            mql_engagement_after,
            min_count,
            mql_occurrences_in_window as occurrences_for_mql,
            lead_has,
            rule_needs
        from classified
        where is_listed

    ),

    remainders as (

        select
            model_id,
            lead_id,
            count(*) as rules,
            sum(points) as points,
            sum(points_for_mql) as points_for_mql,
            max(mql_engagement_after) as mql_engagement_after
        from classified
        where not is_listed
          and (points != 0 or points_for_mql != 0)
        group by model_id, lead_id

    ),

    remainder_rows as (

        select
            model_id,
            lead_id,
            'remainder' as rule_kind,
            'older_contributions' as rule_id,
            'Older contributions: ' || cast(rules as {{ dbt.type_string() }})
                || case when rules = 1 then ' rule' else ' rules' end
                || ' decayed below {{ smallest_listed_points }} points each' as description,
            cast(null as {{ dbt.type_string() }}) as matched_on,
            cast(null as {{ dbt.type_int() }}) as occurrences_in_window,
            cast(null as {{ dbt.type_float() }}) as weighted_occurrences,
            cast(null as {{ dbt.type_int() }}) as window_days,
            cast(null as {{ dbt.type_float() }}) as half_life_days,
            cast(null as {{ dbt.type_float() }}) as max_points,
            cast(null as date) as last_change_date,
            points,
            points_for_mql,
            false as is_required_for_mql,
            cast(null as {{ dbt.type_boolean() }}) as rule_holds,
            cast(null as {{ dbt.type_boolean() }}) as holds_for_mql,
            mql_engagement_after,
            cast(null as {{ dbt.type_int() }}) as min_count,
            cast(null as {{ dbt.type_int() }}) as occurrences_for_mql,
            cast(null as {{ dbt.type_string() }}) as lead_has,
            cast(null as {{ dbt.type_string() }}) as rule_needs
        from remainders

    ),

    rule_rows as (

        select * from listed_rows
        union all
        select * from remainder_rows

    ),

    final as (

        select
            model_id,
            lead_id,
            rule_kind,
            rule_id,
            description,
            matched_on,
            occurrences_in_window,
            weighted_occurrences,
            window_days,
            half_life_days,
            max_points,
            last_change_date,
            points,
            points_for_mql,
            is_required_for_mql,
            rule_holds,
            holds_for_mql,
            mql_engagement_after,
            min_count,
            occurrences_for_mql,
            is_required_for_mql and not coalesce(holds_for_mql, false) as is_blocking_mql,
            lead_has,
            rule_needs
        from rule_rows

    )

    select * from final
{%- endmacro %}
