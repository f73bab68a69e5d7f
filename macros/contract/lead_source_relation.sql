{#- The one place the source of the project's data is chosen: the relation the staging model of
    raw table `table_name` (leads, events, opportunities) reads. For the native source it is the raw
    table (source `raw`); for a CRM it is the model that puts the landed CRM tables in the raw
    contract's shape (stg_hubspot__<table>, stg_salesforce__<table>). Every model downstream reads the stg_raw__ models, so
    it does not depend on the source. dbt records the ref at parse time and parses again when the
    var changes. Company visits are always the raw table (reads_raw_table). -#}
{% macro lead_source_relation(table_name) -%}
    {%- if reads_raw_table(table_name) -%}
        {{ return(source('raw', table_name)) }}
    {%- endif -%}
    {{ return(ref('stg_' ~ lead_source() ~ '__' ~ table_name)) }}
{%- endmacro %}
