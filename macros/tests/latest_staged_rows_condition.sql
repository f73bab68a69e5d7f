{#- A condition on the rows of `relation` (aliased tested_rows) for a test on a daily run: the
    rows staged last (`staged_column` at its latest value: this run's, or the previous staging's
    when this run staged nothing). A uniqueness test (unique, unique_combination) checks instead
    every row that shares a key with those rows, so a new row that repeats an old key still
    fails it (keys are compared with `=`: a null key part matches nothing, which not_null tests
    cover). Rows staged before the column existed have none and are not checked again. -#}
{% macro latest_staged_rows_condition(relation, staged_column) -%}
    {%- set latest -%}
        (select max({{ staged_column }}) from {{ relation }})
    {%- endset -%}
    {%- set test_metadata = model.get('test_metadata', {}) -%}
    {%- set kwargs = test_metadata.get('kwargs', {}) -%}
    {%- if test_metadata.get('name') == 'unique' -%}
        {%- set key_columns = [kwargs.get('column_name')] -%}
    {%- elif test_metadata.get('name') == 'unique_combination' -%}
        {%- set key_columns = kwargs.get('columns') -%}
    {%- else -%}
        {%- set key_columns = [] -%}
    {%- endif -%}
    {%- if key_columns -%}
        exists (
            select 1
            from {{ relation }} as staged_rows
            where staged_rows.{{ staged_column }} = {{ latest }}
            {%- for key_column in key_columns %}
                and staged_rows.{{ key_column }} = tested_rows.{{ key_column }}
            {%- endfor %}
        )
    {%- else -%}
        tested_rows.{{ staged_column }} = {{ latest }}
    {%- endif -%}
{%- endmacro %}
