{#- Whether this run of stg_raw__leads stages only the leads whose raw rows changed
    (raw_lead_rows_fingerprints): an incremental run over raw leads of the project's loader, into
    a table that already records each lead's fingerprint. Otherwise it stages every lead: a first
    build, --full-refresh, and raw leads of another tool or a CRM. -#}
{% macro restages_changed_leads() -%}
    {#- raw_rows_have_deliveries first: it is false in unit tests, which have no relation for
        is_incremental to look up. -#}
    {%- if not raw_rows_have_deliveries('leads') or not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {{ return('raw_rows_fingerprint' in columns) }}
{%- endmacro %}
