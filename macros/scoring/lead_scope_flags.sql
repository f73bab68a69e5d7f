{#- The scope models of the incremental lead-grain (and account-grain) models, each with the column
    that flags the leads (accounts) a run recomputes; scope_key names each one's key column. -#}
{% macro lead_scope_flags() -%}
    {{ return({
        'int_lead_scoring_scope': 'needs_rescore',
        'int_lead_lifecycle_scope': 'needs_restate',
        'int_account_scope': 'needs_restate',
    }) }}
{%- endmacro %}
