{#- The words of fct_lead_score_explanations: what a lead has against what a rule needs, e.g.
    lead_has '58 employees', rule_needs 'at least 101 employees'. Numbers and counts only, no
    dates or floats in free formats, so every engine writes the same text. -#}

{#- A number as text without a trailing '.0' when it is whole (101, not 101.0). -#}
{% macro number_text(number) -%}
    case
        when {{ number }} = floor({{ number }}) then cast(cast({{ number }} as {{ dbt.type_bigint() }}) as {{ dbt.type_string() }})
        else cast({{ number }} as {{ dbt.type_string() }})
    end
{%- endmacro %}

{#- A fit rule's attribute as words: job_title -> 'job title'. -#}
{% macro attribute_words(attribute) -%}
    replace({{ attribute }}, '_', ' ')
{%- endmacro %}

{#- What the lead has of the attribute a fit rule looks at. `rule` has attribute and operator. -#}
{% macro fit_lead_has(rule, lead) -%}
    {%- set text_value = fit_attribute_text(rule ~ '.attribute', lead) -%}
    case
        when {{ rule }}.operator = 'between' then
            case
                when {{ lead }}.company_size is null then 'company size unknown'
                else cast({{ lead }}.company_size as {{ dbt.type_string() }}) || ' employees'
            end
        when {{ text_value }} is null then 'no ' || {{ attribute_words(rule ~ '.attribute') }}
        else {{ attribute_words(rule ~ '.attribute') }} || ': ' || {{ text_value }}
    end
{%- endmacro %}

{#- What a fit rule needs. `rule` has attribute, operator, min_value, max_value and match_values
    (the rule's values joined by ', '). -#}
{% macro fit_rule_needs(rule) -%}
    case
        when {{ rule }}.operator = 'between' then
            case
                when {{ rule }}.min_value is not null and {{ rule }}.max_value is not null
                    then {{ number_text(rule ~ '.min_value') }} || ' to ' || {{ number_text(rule ~ '.max_value') }} || ' employees'
                when {{ rule }}.min_value is not null then 'at least ' || {{ number_text(rule ~ '.min_value') }} || ' employees'
                when {{ rule }}.max_value is not null then 'at most ' || {{ number_text(rule ~ '.max_value') }} || ' employees'
                else 'any company size'
            end
        when {{ rule }}.operator = 'in' then {{ attribute_words(rule ~ '.attribute') }} || ' one of ' || {{ rule }}.match_values
        else {{ attribute_words(rule ~ '.attribute') }} || ' containing one of ' || {{ rule }}.match_values
    end
{%- endmacro %}

{#- What the lead has toward an engagement gate or count rule: its counted occurrences (after the
    per-day cap) in the window, on what counts for the MQL score. -#}
{% macro engagement_lead_has(occurrences, rule, mql_engagement_after) -%}
    cast({{ occurrences }} as {{ dbt.type_string() }})
    || case
        when {{ rule }}.window_days is not null then ' in the last ' || cast({{ rule }}.window_days as {{ dbt.type_string() }}) || ' days'
        else ' so far'
    end
    || case when {{ mql_engagement_after }} is not null then ' since the latest sales rejection' else '' end
{%- endmacro %}

{#- What an engagement gate or count rule needs: min_count occurrences (one without). -#}
{% macro engagement_rule_needs(rule) -%}
    'at least ' || cast(coalesce({{ rule }}.min_count, 1) as {{ dbt.type_string() }})
{%- endmacro %}
