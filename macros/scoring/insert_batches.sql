{#- The post-hook of a model computed in batches (batch_count): inserts the batches after the
    first, one statement each, so that no query holds more than one batch. `batch_query`: the
    macro that renders the model's query for one batch, called as batch_query(batch, batches);
    batch 0 is the model's own statement (first_batch), whose compiled SQL records the count.
    `count_var`: the var that sets the count, for the log line. Nothing to do with one batch. -#}
{% macro insert_batches(batch_query, count_var) -%}
    {#- dbt also renders hooks when it parses the project: nothing to run then -#}
    {%- if execute -%}
        {%- set recorded = modules.re.search('/\\* first of ([0-9]+) batches ', sql or '') -%}
        {%- if recorded is none -%}
            {{ exceptions.raise_compiler_error(this.identifier ~ ": no batch count in its compiled SQL; a model with the post-hook insert_batches selects first_batch(...)") }}
        {%- endif -%}
        {%- set batches = recorded.group(1) | int -%}
        {%- if batches > 1 -%}
            {{ log(this.identifier ~ ": computed in " ~ batches ~ " batches (" ~ count_var ~ ")", info=True) }}
            {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
            {%- set column_list = columns | join(', ') -%}
            {%- for batch in range(1, batches) -%}
                {%- call statement(this.identifier ~ '_batch_' ~ batch) -%}
                    insert into {{ this }} ({{ column_list }})
                    select {{ column_list }}
                    from (
                        {{ batch_query(batch, batches) }}
                    ) as one_batch
                {%- endcall -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
