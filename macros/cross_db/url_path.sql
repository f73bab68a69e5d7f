{#- The path of a URL (from the first / after the host, with query and fragment), what the scoring
    rules compare page URLs with: https://www.example.com/pricing?x=1 gives /pricing?x=1. A value
    without a scheme is taken to be a path already. -#}
{% macro url_path(url) -%}
    {%- set after_scheme = "substr(" ~ url ~ ", " ~ dbt.position("'://'", url) ~ " + 3)" -%}
    case
        when {{ dbt.position("'://'", url) }} = 0 then {{ url }}
        when {{ dbt.position("'/'", after_scheme) }} = 0 then '/'
        else substr({{ after_scheme }}, {{ dbt.position("'/'", after_scheme) }})
    end
{%- endmacro %}
