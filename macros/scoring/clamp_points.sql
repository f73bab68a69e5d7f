{#- A rule's total kept within -max_points..+max_points (no limit when max_points is null). -#}
{% macro clamp_points(points, max_points) -%}
    (case
        when {{ max_points }} is null then {{ points }}
        when {{ points }} > {{ max_points }} then {{ max_points }}
        when {{ points }} < -1 * {{ max_points }} then -1 * {{ max_points }}
        else {{ points }}
    end)
{%- endmacro %}
