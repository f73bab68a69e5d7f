{#- A Salesforce field as the connector landed it, from its API name ('CreatedDate',
    'Budget_Confirmed__c'), per the var lead_scoring_salesforce_column_style (default: the
    environment variable LEAD_SCORING_SALESFORCE_COLUMN_STYLE, else fivetran):
    fivetran  snake case, as Fivetran lands API names: created_date, budget_confirmed_c
    airbyte   the API name as it is, quoted, since PostgreSQL folds unquoted names to lower case
    Any other style stops the run. -#}
{% macro salesforce_column(api_name) -%}
    {%- set style = var('lead_scoring_salesforce_column_style', env_var('LEAD_SCORING_SALESFORCE_COLUMN_STYLE', 'fivetran')) | string | trim | lower -%}
    {%- if style == 'airbyte' -%}
        {{ return(adapter.quote(api_name)) }}
    {%- elif style != 'fivetran' -%}
        {{ exceptions.raise_compiler_error(
            "The var lead_scoring_salesforce_column_style must be fivetran or airbyte, got '" ~ style ~ "'") }}
    {%- endif -%}
    {#- An underscore before each capital that follows a lower-case letter or digit; the custom
        suffix __c loses one underscore (Budget_Confirmed__c -> budget_confirmed_c). -#}
    {%- set chars = [] -%}
    {%- for char in api_name -%}
        {%- if char.isupper() and not loop.first and (loop.previtem.islower() or loop.previtem.isdigit()) -%}
            {%- do chars.append('_') -%}
        {%- endif -%}
        {%- do chars.append(char.lower()) -%}
    {%- endfor -%}
    {{ return(chars | join('') | replace('__', '_')) }}
{%- endmacro %}
