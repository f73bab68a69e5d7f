{#- A number as text without a trailing '.0' when it is whole (101, not 101.0). -#}
{% macro number_text(number) -%}
    case
        when {{ number }} = floor({{ number }}) then cast(cast({{ number }} as {{ dbt.type_bigint() }}) as {{ dbt.type_string() }})
        else cast({{ number }} as {{ dbt.type_string() }})
    end
{%- endmacro %}
