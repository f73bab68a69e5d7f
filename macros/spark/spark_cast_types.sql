{#- Data tests whose column is an expression with `cast(... as varchar)` (unique keys built in
    the yml files): the same expression with Spark's type name. -#}
{% macro spark_cast_types(expression) -%}
    {{ return(modules.re.sub('(?i)\\bas\\s+(varchar|text)\\b(?!\\s*\\()', 'as string', expression)) }}
{%- endmacro %}
