{#- The SQL type a raw contract column of `logical_type` (string, integer, float, boolean,
    timestamp) is read as; any other type stops the run. -#}
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
