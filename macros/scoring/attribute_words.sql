{#- A fit rule's attribute as words: job_title -> 'job title'. -#}
{% macro attribute_words(attribute) -%}
    replace({{ attribute }}, '_', ' ')
{%- endmacro %}
