{#- The columns the raw data contract lists for raw table `table_name`; an unknown table stops
    the run. -#}
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
