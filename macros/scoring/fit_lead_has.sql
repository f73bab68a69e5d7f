{#- What the lead has of the attribute a fit rule looks at. `rule` has attribute and operator. -#}
{% macro fit_lead_has(rule, lead) -%}
    {%- set text_value = fit_attribute_text(rule ~ '.attribute', lead) -%}
    case
        when {{ rule }}.operator = 'between' then
            case
                when {{ lead }}.company_size is null then 'company size unknown'
                else cast({{ lead }}.company_size as {{ dbt.type_string() }}) || ' employees'
            end
        when {{ text_value }} is null then 'no ' || {{ attribute_words(rule ~ '.attribute') }}
        else {{ attribute_words(rule ~ '.attribute') }} || ': ' || {{ text_value }}
    end
{%- endmacro %}
