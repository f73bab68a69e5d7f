{#- A one-column relation `n` with the integers 1..upper, portable (no generate_series). -#}
{% macro integer_series(upper) -%}
    {%- for i in range(1, upper + 1) %}
    select {{ i }} as n {{ "union all" if not loop.last }}
    {%- endfor %}
{%- endmacro %}
