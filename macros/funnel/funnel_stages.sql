{#- The main-path stages in path order, for the funnel models that give every stage its own
    columns. The seed lifecycle_stages holds the same list (its accepted_values test keeps the two
    in step); stage_order comes from the seed. -#}
{% macro funnel_main_stages() -%}
    {{ return(['lead', 'mql', 'sal', 'sql', 'opportunity', 'customer']) }}
{%- endmacro %}

{#- The two ways a funnel counts a lead at a stage (lifecycle README, strict skip policy):
    any_stage - reached the stage or any later one (skippers included);
    in_order  - reached it with every earlier stage entered before (skippers drop out). -#}
{% macro funnel_kinds() -%}
    {{ return(['any_stage', 'in_order']) }}
{%- endmacro %}

{#- The windows of "within N days" conversion: the cohort funnel reports each, and the data
    coverage mart says when the first cohort is mature for each. -#}
{% macro funnel_windows() -%}
    {{ return([30, 60, 90]) }}
{%- endmacro %}
