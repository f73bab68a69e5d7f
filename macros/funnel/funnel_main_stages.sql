{#- The main-path stages in path order, for the funnel models that give every stage its own
    columns. The seed lifecycle_stages holds the same list (its accepted_values test keeps the two
    in step); stage_order comes from the seed. -#}
{% macro funnel_main_stages() -%}
    {{ return(['lead', 'mql', 'sal', 'sql', 'opportunity', 'customer']) }}
{%- endmacro %}
