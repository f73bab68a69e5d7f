{#- Aggregate expression: the three rules that give a lead the most points, best first, as one
    text - "Visited the pricing page (+20); Matching company size (+15); ..." - from rows aliased
    `ranked` with description, points and reason_rank (1 = most points). Rules worth less than
    0.01 points are left out. Three picks rather than an ordered string aggregate, which cost
    twice as much at 1M leads. -#}
{% macro top_reasons_text(ranked) -%}
    {%- set reason_text = dbt.concat([ranked ~ ".description", "' (+'", number_text(round_number(ranked ~ '.points', 1)), "')'"]) -%}
    {%- set reason = "case when " ~ ranked ~ ".points >= 0.01 and " ~ ranked ~ ".reason_rank = {n} then " ~ reason_text ~ " end" -%}
    max({{ reason.format(n=1) }})
        || coalesce('; ' || max({{ reason.format(n=2) }}), '')
        || coalesce('; ' || max({{ reason.format(n=3) }}), '')
{%- endmacro %}
