{#- Band, fit grade, engagement level and MQL qualification from a lead's scores and its model's
    settings (a row of int_scoring_models aliased `model`). Band, grade and level follow the total
    score; MQL qualification follows the MQL score (the total, unless recycle_policy
    reset_engagement excludes engagement before a rejection). A total at or above the threshold is
    `hot` only while every required rule holds: with a gate failing it is `hot_blocked`, so no
    band presents a lead the gates keep from being an MQL as MQL-ready. -#}
{% macro score_classification(model, fit_score, engagement_score, total_score, mql_score, gates_hold) -%}
        case
            when {{ total_score }} >= {{ model }}.mql_threshold and {{ gates_hold }} then 'hot'
            when {{ total_score }} >= {{ model }}.mql_threshold then 'hot_blocked'
            when {{ total_score }} >= {{ model }}.nurture_min_score then 'nurture'
            else 'cold'
        end as score_band,
        case
            when {{ fit_score }} >= {{ model }}.fit_grade_a_min then 'A'
            when {{ fit_score }} >= {{ model }}.fit_grade_b_min then 'B'
            when {{ fit_score }} >= {{ model }}.fit_grade_c_min then 'C'
            else 'D'
        end as fit_grade,
        case
            when {{ engagement_score }} >= {{ model }}.engagement_level_1_min then 1
            when {{ engagement_score }} >= {{ model }}.engagement_level_2_min then 2
            when {{ engagement_score }} >= {{ model }}.engagement_level_3_min then 3
            else 4
        end as engagement_level,
        {{ mql_qualified(mql_score, gates_hold, model ~ '.mql_threshold') }} as is_mql_qualified
{%- endmacro %}
