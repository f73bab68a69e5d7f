{#- The two ways a funnel counts a lead at a stage (docs/lifecycle.md, strict skip policy):
    any_stage - reached the stage or any later one (skippers included);
    in_order  - reached it with every earlier stage entered before (skippers drop out). -#}
{% macro funnel_kinds() -%}
    {{ return(['any_stage', 'in_order']) }}
{%- endmacro %}
