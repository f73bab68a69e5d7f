{#- The score bands from lowest to highest (the bands of macro score_classification), so the
    feedback loop can rank them: score_band_order('band') is 1 for cold ... 4 for hot, and
    score_band_from_order('n') turns a rank back into the band. hot_blocked (at or above the MQL
    threshold with a gate failing) ranks below hot: a lead that was blocked and later qualified
    peaked in hot. -#}
{% macro score_bands() -%}
    {{ return(['cold', 'nurture', 'hot_blocked', 'hot']) }}
{%- endmacro %}
