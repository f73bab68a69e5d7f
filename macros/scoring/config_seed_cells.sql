{#- Every cell of a scoring seed as one row (seed_name, model_id, rule_id, column_name, value),
    for the rule history: one branch per column, so any column a seed gains is recorded without
    a change here. model_id and rule_id are the row's key (as_id, as the models read them; rule_id
    null for a seed without one, scoring_models) and are not repeated as cells. The event mapping
    has no ids: its rows are named by their source and condition (event_mapping_row_key, in
    rule_id), and those columns are not repeated as cells either. -#}
{% macro config_seed_cells(seed_name) -%}
    {%- set relation = ref(seed_name) -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list if execute else [] -%}
    {%- set is_mapping = seed_name == 'event_type_mapping' -%}
    {%- set keys = ['source_system', 'source_event', 'property_key', 'property_operator', 'property_value'] if is_mapping else ['model_id', 'rule_id'] -%}
    {%- set cells = columns | reject('in', keys) | list -%}
    {%- for column in cells %}
    {% if not loop.first %}union all
    {% endif -%}
    select
        cast('{{ seed_name }}' as {{ dbt.type_string() }}) as seed_name,
        {% if is_mapping -%}
        cast(null as {{ dbt.type_string() }}) as model_id,
        cast({{ event_mapping_row_key('seed_rows') }} as {{ dbt.type_string() }}) as rule_id,
        {%- elif 'rule_id' in columns -%}
        cast({{ as_id('model_id') }} as {{ dbt.type_string() }}) as model_id,
        cast({{ as_id('rule_id') }} as {{ dbt.type_string() }}) as rule_id,
        {%- else -%}
        cast({{ as_id('model_id') }} as {{ dbt.type_string() }}) as model_id,
        cast(null as {{ dbt.type_string() }}) as rule_id,
        {%- endif %}
        cast('{{ column }}' as {{ dbt.type_string() }}) as column_name,
        cast({{ adapter.quote(column) }} as {{ dbt.type_string() }}) as value
    from {{ relation }} as seed_rows
    {%- endfor %}
    {%- if not cells %}
    {#- At parse time (no columns known yet) a query of the right shape, never run. -#}
    select
        cast(null as {{ dbt.type_string() }}) as seed_name,
        cast(null as {{ dbt.type_string() }}) as model_id,
        cast(null as {{ dbt.type_string() }}) as rule_id,
        cast(null as {{ dbt.type_string() }}) as column_name,
        cast(null as {{ dbt.type_string() }}) as value
    {%- endif %}
{%- endmacro %}
