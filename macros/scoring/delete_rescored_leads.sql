{#- Pre-hook of the incremental lead-grain models: remove every row of the leads about to be
    recomputed (they are re-inserted in full) and of leads no longer in the source. Recomputing
    whole leads keeps an incremental run identical to a full rebuild. `scope`: the scope model
    (lead_scope_flags: int_lead_scoring_scope for the scoring models, int_lead_lifecycle_scope
    for the lifecycle chain). -#}
{% macro delete_rescored_leads(scope='int_lead_scoring_scope') -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where lead_id in (select lead_id from {{ ref(scope) }} where {{ lead_scope_flags()[scope] }})
           or lead_id not in (select lead_id from {{ ref(scope) }})
    {%- endif -%}
{%- endmacro %}
