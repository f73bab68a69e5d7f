{#- Whether the staging model of `table_name` reads the raw table (source raw) rather than a CRM's
    model in the raw contract's shape: for the native source, and for company visits whatever
    the source (a visitor-identification tool, not the CRM, sends them). lead_source_relation
    picks the relation by it, raw_source_columns whether to cast to the contract. -#}
{% macro reads_raw_table(table_name) -%}
    {{ return(lead_source() == 'native' or table_name == 'company_visits') }}
{%- endmacro %}
