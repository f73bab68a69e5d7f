{#- A text as contains_any compares it: lower-cased, '/', ',', '-' and '&' as spaces, and a space at
    both ends, so ' cto ' is found in ' cto   founder ' but not in ' director '. -#}
{% macro fit_match_words(text_value) -%}
    ' ' || replace(replace(replace(replace(lower({{ text_value }}), '/', ' '), ',', ' '), '-', ' '), '&', ' ') || ' '
{%- endmacro %}
