{#- The lead's value of a text attribute a fit rule looks at (`attribute` is an SQL expression
    naming it); company_size, the one number, is read directly. -#}
{% macro fit_attribute_text(attribute, lead) -%}
    case {{ attribute }}
        when 'industry' then {{ lead }}.industry
        when 'job_title' then {{ lead }}.job_title
        when 'country_code' then {{ lead }}.country_code
        when 'lead_source' then {{ lead }}.lead_source
        when 'campaign' then {{ lead }}.campaign
    end
{%- endmacro %}
