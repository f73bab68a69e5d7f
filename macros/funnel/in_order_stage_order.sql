{#- The in-order progress of a lead (strict skip policy): the last main-path stage before which
    every earlier stage was entered, each first entry no later than the next one. Expects columns
    <stage>_entered_at (first entry, empty when skipped or never reached). dim_leads applies the
    same rule to the primary model (tests/dbt/assert_funnel_lead_stages_match_dim_leads.sql). -#}
{% macro in_order_stage_order(prefix='') -%}
        case
            when {{ prefix }}mql_entered_at is null or {{ prefix }}mql_entered_at < {{ prefix }}lead_entered_at then 1
            when {{ prefix }}sal_entered_at is null or {{ prefix }}sal_entered_at < {{ prefix }}mql_entered_at then 2
            when {{ prefix }}sql_entered_at is null or {{ prefix }}sql_entered_at < {{ prefix }}sal_entered_at then 3
            when {{ prefix }}opportunity_entered_at is null or {{ prefix }}opportunity_entered_at < {{ prefix }}sql_entered_at then 4
            when {{ prefix }}customer_entered_at is null or {{ prefix }}customer_entered_at < {{ prefix }}opportunity_entered_at then 5
            else 6
        end
{%- endmacro %}
