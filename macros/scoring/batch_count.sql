{#- How many batches a model restated by lead or account computes its rows in, one statement after
    the other (first_batch, in_batch, insert_batches), so that its memory stays bounded whatever the data's
    size. The var `count_var` sets the count (1 to 256, a power of two); unset, it is the
    estimate (`estimate_sql`: one number, the size of this run's work) divided by the var
    `per_batch_var`, rounded up to a power of two. One batch in unit tests (a unit test runs the
    model's statement alone, and its inputs are CTEs that a query of its own cannot read), on
    engines whose restated models are tables rebuilt in one statement (incremental_where_supported:
    Spark, which spreads a query over its executors itself; the count var is ignored there), and
    when an input in `inputs` does not exist yet (dbt compile or a linter on an empty warehouse:
    nothing to size). -#}
{% macro batch_count(count_var, per_batch_var, inputs, estimate_sql) -%}
    {%- set configured = var(count_var, none) -%}
    {%- set is_configured = configured is not none and configured | string | trim != '' -%}
    {%- if is_configured and configured | int not in [1, 2, 4, 8, 16, 32, 64, 128, 256] -%}
        {{ exceptions.raise_compiler_error("var " ~ count_var ~ " must be 1, 2, 4, 8, 16, 32, 64, 128 or 256, not '" ~ configured ~ "'") }}
    {%- endif -%}
    {%- if model.resource_type == 'unit_test' or incremental_where_supported() != 'incremental' -%}
        {{ return(1) }}
    {%- endif -%}
    {%- if is_configured -%}
        {{ return(configured | int) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return(1) }}
    {%- endif -%}
    {%- for input in inputs -%}
        {%- set relation = ref(input) -%}
        {%- if adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier) is none -%}
            {{ return(1) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set work = run_query(estimate_sql).columns[0].values()[0] | float -%}
    {%- set per_batch = var(per_batch_var) | float -%}
    {%- set batches = namespace(count=1) -%}
    {%- for _ in range(8) if batches.count * per_batch < work -%}
        {%- set batches.count = batches.count * 2 -%}
    {%- endfor -%}
    {#- In dbt's log file: what the count came from (the estimate runs once per run, when the
        model's statement is compiled; the post-hook reads the count from it, first_batch) -#}
    {{ log(model.name ~ ": estimated work " ~ (work | int) ~ ", " ~ per_batch_var ~ " " ~ (per_batch | int) ~ ": " ~ batches.count ~ " batches", info=False) }}
    {{ return(batches.count) }}
{%- endmacro %}
