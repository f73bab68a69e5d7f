{#- The scope models of the incremental lead-grain models, each with the column that flags the
    leads a run recomputes. -#}
{% macro lead_scope_flags() -%}
    {{ return({
        'int_lead_scoring_scope': 'needs_rescore',
        'int_lead_lifecycle_scope': 'needs_restate',
    }) }}
{%- endmacro %}
