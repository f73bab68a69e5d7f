{#- Pre-hook of stg_raw__leads: remove the leads this run stages again - those whose raw rows
    changed since they were staged, or that left the raw table (restages_changed_leads) - or every
    lead when the model is restaged in full. The model then inserts the leads it no longer holds. -#}
{% macro delete_restaged_raw_leads() -%}
    {%- if restages_changed_leads() -%}
        delete from {{ this }}
        where not exists (
            select 1
            from (
                select lead_id as raw_lead_id, raw_rows_fingerprint as raw_fingerprint
                from ({{ raw_lead_rows_fingerprints() }}) as fingerprints
            ) as raw_leads
            where raw_leads.raw_lead_id = lead_id
                and raw_leads.raw_fingerprint = raw_rows_fingerprint
        )
    {%- elif is_incremental() -%}
        delete from {{ this }}
    {%- endif -%}
{%- endmacro %}
