{#- Whether the lead is in batch `batch` of `batches`, as in_batch decides, for an input with many
    rows per lead: a semi-join to the leads of the scope model (one row per lead), so that the
    md5 is computed once per lead, not once per row. `true` when there is one batch. -#}
{% macro in_lead_batch(lead_id, batch, batches, scope='int_lead_scoring_scope') -%}
    {%- if batches > 1 -%}
        {{ lead_id }} in (
            select batch_leads.lead_id from {{ ref(scope) }} as batch_leads
            where {{ in_batch('batch_leads.lead_id', batch, batches) }}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
