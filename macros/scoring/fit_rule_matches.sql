{#- Whether one row of int_fit_rules matches a lead.
    between: company_size within [min_value, max_value] (either bound may be open);
    in: the attribute equals the value (case-insensitive);
    contains_any: the attribute contains the value as a whole word or phrase, so 'cto' matches
    'CTO' and 'CTO / Founder' but not 'Director'. -#}
{% macro fit_rule_matches(rule, lead) -%}
    {%- set text_value = fit_attribute_text(rule ~ '.attribute', lead) -%}
    {%- set words = fit_match_words(text_value) -%}
    (
        ({{ rule }}.operator = 'between'
            and {{ lead }}.company_size is not null
            and ({{ rule }}.min_value is null or {{ lead }}.company_size >= {{ rule }}.min_value)
            and ({{ rule }}.max_value is null or {{ lead }}.company_size <= {{ rule }}.max_value))
        or ({{ rule }}.operator = 'in' and lower({{ text_value }}) = {{ rule }}.match_value)
        or ({{ rule }}.operator = 'contains_any'
            and {{ dbt.position("' ' || " ~ rule ~ ".match_value || ' '", words) }} > 0)
    )
{%- endmacro %}

{#- A text as contains_any compares it: lower-cased, '/', ',', '-' and '&' as spaces, and a space at
    both ends, so ' cto ' is found in ' cto   founder ' but not in ' director '. -#}
{% macro fit_match_words(text_value) -%}
    ' ' || replace(replace(replace(replace(lower({{ text_value }}), '/', ' '), ',', ' '), '-', ' '), '&', ' ') || ' '
{%- endmacro %}

{#- The lead's value of a text attribute a fit rule looks at (`attribute` is an SQL expression
    naming it); company_size, the one number, is read directly. -#}
{% macro fit_attribute_text(attribute, lead) -%}
    case {{ attribute }}
        when 'industry' then {{ lead }}.industry
        when 'job_title' then {{ lead }}.job_title
        when 'country_code' then {{ lead }}.country_code
        when 'lead_source' then {{ lead }}.lead_source
        when 'campaign' then {{ lead }}.campaign
    end
{%- endmacro %}
