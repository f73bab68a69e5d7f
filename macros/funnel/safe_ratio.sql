{#- numerator / denominator as a double; null when the denominator is 0 or null (integer division
    would truncate on PostgreSQL). -#}
{% macro safe_ratio(numerator, denominator) -%}
    (cast({{ numerator }} as {{ type_double() }}) / nullif(cast({{ denominator }} as {{ type_double() }}), 0))
{%- endmacro %}
