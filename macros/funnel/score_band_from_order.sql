{#- The score band of a rank from score_band_order. -#}
{% macro score_band_from_order(band_order) -%}
    case {{ band_order }}{% for name in score_bands() %} when {{ loop.index }} then '{{ name }}'{% endfor %} end
{%- endmacro %}
