{#- The statement of a model computed in batches (batch_count): batch 0 of `batches`, after a
    comment that records the count. The post-hook insert_batches reads the count from that
    comment in the model's compiled SQL, so the count is worked out once per run (its estimate is
    a query over the run's work) and the post-hook inserts exactly the batches the statement
    left out. -#}
{% macro first_batch(batch_query, batches) -%}
/* first of {{ batches }} batches (insert_batches inserts the others) */
{{ batch_query(0, batches) }}
{%- endmacro %}
