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
