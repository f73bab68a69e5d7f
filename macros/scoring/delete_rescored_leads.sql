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

{#- The leads an incremental scoring model computes: those in scope, or all on a full build. -#}
{% macro leads_in_scoring_scope(relation_alias) -%}
    {%- if is_incremental() -%}
        inner join {{ ref('int_lead_scoring_scope') }} as scope
            on scope.lead_id = {{ relation_alias }}.lead_id
            and scope.needs_rescore
    {%- endif -%}
{%- endmacro %}

{#- The materialization of the incremental scoring models: incremental where the engine can
    delete rows (the pre-hook above), else a table rebuilt in full on every run (Spark on plain
    Parquet, macros/spark/incremental.sql). -#}
{% macro incremental_where_supported() -%}
    {{ return(adapter.dispatch('incremental_where_supported', 'lead_scoring')()) }}
{%- endmacro %}

{% macro default__incremental_where_supported() -%}
    {{ return('incremental') }}
{%- endmacro %}
