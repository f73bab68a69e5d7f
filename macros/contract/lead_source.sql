{#- Which system the project's leads, events and opportunities come from: the var
    lead_scoring_source (default: the environment variable LEAD_SCORING_SOURCE), native (the raw data contract, filled by the project's loader or your own
    ELT), hubspot or salesforce (the tables a connector landed, docs/crm-sources.md). Any other
    value stops the run. -#}
{% macro lead_source() -%}
    {%- set value = var('lead_scoring_source', env_var('LEAD_SCORING_SOURCE', 'native')) | string | trim | lower -%}
    {%- if value not in ('native', 'hubspot', 'salesforce') -%}
        {{ exceptions.raise_compiler_error(
            "The var lead_scoring_source must be native, hubspot or salesforce, got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
