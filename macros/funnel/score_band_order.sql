{#- The rank of a score band, 1 for cold ... 4 for hot (the order of score_bands). -#}
{% macro score_band_order(band) -%}
    case {{ band }}{% for name in score_bands() %} when '{{ name }}' then {{ loop.index }}{% endfor %} end
{%- endmacro %}
