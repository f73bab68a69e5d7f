{#- Pre-hook of the incremental lead-grain models: remove every row of the leads about to be
    recomputed (they are re-inserted in full) and of leads no longer in the source. Recomputing
    whole leads keeps an incremental run identical to a full rebuild. `scope`: the scope model
    (lead_scope_flags: int_lead_scoring_scope for the scoring models, int_lead_lifecycle_scope
    for the lifecycle chain, int_account_scope for the accounts, keyed by scope_key).
    `also_delete`: a condition on further rows every run rewrites (an account's row for today). -#}
{% macro delete_rescored_leads(scope='int_lead_scoring_scope', also_delete=none) -%}
    {%- if is_incremental() -%}
        {%- set key = scope_key(scope) -%}
        delete from {{ this }}
        where {{ key }} in (select {{ key }} from {{ ref(scope) }} where {{ lead_scope_flags()[scope] }})
           or {{ key }} not in (select {{ key }} from {{ ref(scope) }})
           {%- if also_delete %}
           or {{ also_delete }}
           {%- endif %}
    {%- endif -%}
{%- endmacro %}
