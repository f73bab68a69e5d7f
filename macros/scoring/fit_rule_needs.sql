{#- What a fit rule needs. `rule` has attribute, operator, min_value, max_value and match_values
    (the rule's values joined by ', '). -#}
{% macro fit_rule_needs(rule) -%}
    case
        when {{ rule }}.operator = 'between' then
            case
                when {{ rule }}.min_value is not null and {{ rule }}.max_value is not null
                    then {{ number_text(rule ~ '.min_value') }} || ' to ' || {{ number_text(rule ~ '.max_value') }} || ' employees'
                when {{ rule }}.min_value is not null then 'at least ' || {{ number_text(rule ~ '.min_value') }} || ' employees'
                when {{ rule }}.max_value is not null then 'at most ' || {{ number_text(rule ~ '.max_value') }} || ' employees'
                else 'any company size'
            end
        when {{ rule }}.operator = 'in' then {{ attribute_words(rule ~ '.attribute') }} || ' one of ' || {{ rule }}.match_values
        else {{ attribute_words(rule ~ '.attribute') }} || ' containing one of ' || {{ rule }}.match_values
    end
{%- endmacro %}
