{#- The select list for a raw table under the raw data contract (models/staging/raw/_raw__sources.yml):
    every contract column, cast to its logical type; an optional column the table lacks becomes a
    typed null, a missing required column stops the run with a message naming table and column.
    Columns the table has beyond the contract are ignored. -#}

{% macro contract_type(logical_type) -%}
    {%- set types = {
        'string': dbt.type_string(),
        'integer': dbt.type_int(),
        'float': dbt.type_float(),
        'boolean': dbt.type_boolean(),
        'timestamp': raw_timestamp_type(),
    } -%}
    {%- if logical_type not in types -%}
        {{ exceptions.raise_compiler_error("Unknown contract type '" ~ logical_type ~ "'") }}
    {%- endif -%}
    {{ return(types[logical_type]) }}
{%- endmacro %}

{% macro raw_contract_columns(table_name) -%}
    {#- [{name, type, required}] in contract order, read from the parsed source definition. -#}
    {%- set matches = graph.sources.values()
        | selectattr('source_name', 'equalto', 'raw')
        | selectattr('name', 'equalto', table_name) | list -%}
    {%- if matches | length != 1 -%}
        {{ exceptions.raise_compiler_error("No raw source table '" ~ table_name ~ "' in the contract") }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for column in matches[0].columns.values() -%}
        {%- do columns.append({
            'name': column.name,
            'type': column.data_type,
            'required': (column.meta or {}).get('required', false),
        }) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{% macro raw_source_columns(table_name) -%}
    {#- At parse time, and inside unit tests (whose fixture rows already carry every source
        column), there is no parsed graph to read the contract from: pass the columns through. -#}
    {%- if not execute or 'sources' not in graph -%}
        {{ return('*') }}
    {%- endif -%}
    {%- set relation = source('raw', table_name) -%}
    {%- set present = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do present.append(column.name | lower) -%}
    {%- endfor -%}
    {%- for column in raw_contract_columns(table_name) -%}
        {%- if present | length > 0 and column.name not in present -%}
            {%- if column.required -%}
                {{ exceptions.raise_compiler_error(
                    "Raw table " ~ relation ~ " lacks the required column '" ~ column.name
                    ~ "' (raw data contract, models/staging/raw/_raw__sources.yml)") }}
            {%- endif %}
        cast(null as {{ contract_type(column.type) }}) as {{ column.name }}
        {%- else %}
        cast({{ column.name }} as {{ contract_type(column.type) }}) as {{ column.name }}
        {%- endif -%}
        {{- "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
