{#- The in-order progress of a lead (strict skip policy): the last main-path stage before which
    every earlier stage was entered, each first entry no later than the next one. Expects columns
    <prefix><stage><entered> (first entry, empty when skipped or never reached); used by
    int_lead_funnel_stages and dim_leads. -#}
{% macro in_order_stage_order(prefix='', entered='_entered_at') -%}
        {%- set at = {} -%}
        {%- for stage in ['lead', 'mql', 'sal', 'sql', 'opportunity', 'customer'] -%}
            {%- do at.update({stage: prefix ~ stage ~ entered}) -%}
        {%- endfor %}
        case
            when {{ at.mql }} is null or {{ at.mql }} < {{ at.lead }} then 1
            when {{ at.sal }} is null or {{ at.sal }} < {{ at.mql }} then 2
            when {{ at.sql }} is null or {{ at.sql }} < {{ at.sal }} then 3
            when {{ at.opportunity }} is null or {{ at.opportunity }} < {{ at.sql }} then 4
            when {{ at.customer }} is null or {{ at.customer }} < {{ at.opportunity }} then 5
            else 6
        end
{%- endmacro %}
