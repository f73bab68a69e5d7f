{#- The in-order progress of a lead (strict skip policy): the last main-path stage before which
    every earlier stage was entered, each first entry no later than the next one. Expects columns
    <prefix><stage><entered> (first entry, empty when skipped or never reached); used by
    int_lead_funnel_stages and dim_leads. -#}
{% macro in_order_stage_order(prefix='', entered='_entered_at') -%}
        {%- set stages = lifecycle_stage_names(main_path_only=true) %}
        case
            {%- for stage in stages[1:] %}
            {%- set at = prefix ~ stage ~ entered %}
            when {{ at }} is null or {{ at }} < {{ prefix ~ stages[loop.index0] ~ entered }} then {{ loop.index }}
            {%- endfor %}
            else {{ stages | length }}
        end
{%- endmacro %}
