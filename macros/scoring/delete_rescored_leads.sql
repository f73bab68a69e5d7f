{#- Pre-hook of the incremental scoring models: remove every row of the leads about to be
    rescored (they are re-inserted in full) and of leads no longer in the source. Rescoring whole
    leads keeps an incremental run identical to a full rebuild. -#}
{% macro delete_rescored_leads() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where lead_id in (select lead_id from {{ ref('int_lead_scoring_scope') }} where needs_rescore)
           or lead_id not in (select lead_id from {{ ref('int_lead_scoring_scope') }})
    {%- endif -%}
{%- endmacro %}
