{#- The select list for a raw table under the raw data contract (models/staging/raw/_raw__sources.yml):
    every contract column, cast to its logical type (timestamps by raw_timestamp_cast, which needs
    the raw column's type); an optional column the table lacks becomes a typed null, a missing
    required column stops the run with a message naming table and column. Columns the table has
    beyond the contract are ignored. -#}
{% macro raw_source_columns(table_name) -%}
    {#- At parse time, and inside unit tests (whose fixture rows already carry every source
        column), there is no parsed graph to read the contract from: pass the columns through. -#}
    {%- if not execute or 'sources' not in graph -%}
        {{ return('*') }}
    {%- endif -%}
    {#- A CRM's model (lead_source_relation) already selects the contract's columns, typed. -#}
    {%- if not reads_raw_table(table_name) -%}
        {{ return('*') }}
    {%- endif -%}
    {%- set relation = source('raw', table_name) -%}
    {#- The raw table's columns and their types, by lowercase name. -#}
    {%- set present = {} -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do present.update({column.name | lower: column.dtype}) -%}
    {%- endfor -%}
    {%- for column in raw_contract_columns(table_name) -%}
        {%- if present | length > 0 and column.name not in present -%}
            {%- if column.required -%}
                {{ exceptions.raise_compiler_error(
                    "Raw table " ~ relation ~ " lacks the required column '" ~ column.name
                    ~ "' (raw data contract, models/staging/raw/_raw__sources.yml)") }}
            {%- endif %}
        cast(null as {{ contract_type(column.type) }}) as {{ column.name }}
        {%- elif column.type == 'timestamp' %}
        {{ raw_timestamp_cast(column.name, present.get(column.name)) }} as {{ column.name }}
        {%- else %}
        cast({{ column.name }} as {{ contract_type(column.type) }}) as {{ column.name }}
        {%- endif -%}
        {{- "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
