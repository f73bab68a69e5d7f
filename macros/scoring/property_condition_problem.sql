{#- What is wrong with the property condition of a seed row (engagement rule, activation rule or
    event mapping row), as a message, or null: the operator must be one event_matches_rule knows,
    and a numeric operator needs a number (between: two, low..high). Columns are the seed's text
    cells. -#}
{% macro property_condition_problem(key, operator, value) -%}
    {%- set op = "lower(coalesce(trim(" ~ operator ~ "), ''))" -%}
    {%- set low = dbt.split_part(value, "'..'", 1) -%}
    {%- set high = dbt.split_part(value, "'..'", 2) -%}
    case
        when nullif(trim({{ key }}), '') is null then null
        when {{ op }} not in ('equals', 'contains', 'starts_with', '>=', '<=', 'between')
            then 'property_operator must be equals, contains, starts_with, >=, <= or between, got ''' || coalesce({{ operator }}, '') || ''''
        when {{ op }} in ('>=', '<=') and {{ as_number(value) }} is null
            then 'property_value must be a number for ' || {{ op }} || ', got ''' || coalesce({{ value }}, '') || ''''
        when {{ op }} = 'between'
            and ({{ dbt.position("'..'", value) }} = 0 or {{ as_number(low) }} is null or {{ as_number(high) }} is null)
            then 'property_value must be two numbers low..high for between, got ''' || coalesce({{ value }}, '') || ''''
        when {{ op }} = 'between' and {{ as_number(low) }} > {{ as_number(high) }}
            then 'property_value ''' || {{ value }} || ''': low is above high, the condition can never hold'
    end
{%- endmacro %}
