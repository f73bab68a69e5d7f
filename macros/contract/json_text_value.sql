{#- Text as the body of a JSON string (without the quotes): backslash, double quote, newline,
    carriage return and tab escaped. chr() spells them the same way on every engine (a backslash
    in a Spark literal is an escape). -#}
{% macro json_text_value(text) -%}
    replace(replace(replace(replace(replace({{ text }},
        chr(92), chr(92) || chr(92)),
        chr(34), chr(92) || chr(34)),
        chr(10), chr(92) || 'n'),
        chr(13), chr(92) || 'r'),
        chr(9), chr(92) || 't')
{%- endmacro %}
