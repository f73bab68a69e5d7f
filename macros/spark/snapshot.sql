{#- Snapshots on Spark without Delta, Iceberg or Hudi (no MERGE on plain Parquet tables).
    dbt-spark's own snapshot materialization refuses Parquet; this one is the same except for the
    last step: instead of `merge into`, the merged snapshot - the target with the versions that
    changed or vanished closed (their dbt_valid_to set), plus the new versions - is written to a
    new table, which then replaces the target (rename, rename, drop). The staging query, the
    strategies (timestamp, check) and the columns (dbt_scd_id, dbt_updated_at, dbt_valid_from,
    dbt_valid_to) are dbt's own, so the result is the one dbt's merge gives. The whole table is
    rewritten on every run: fine for a snapshot of one row per lead and version. -#}

{% materialization snapshot, adapter='spark' %}

    {%- set target_table = model.get('alias', model.get('name')) -%}
    {%- set strategy_name = config.get('strategy') -%}
    {%- set grant_config = config.get('grants') -%}

    {%- set target_relation_exists, target_relation = get_or_create_relation(
            database=none, schema=model.schema, identifier=target_table, type='table') -%}

    {%- if not adapter.check_schema_exists(model.database, model.schema) -%}
        {%- do create_schema(model.schema) -%}
    {%- endif -%}
    {%- if not target_relation.is_table -%}
        {%- do exceptions.relation_wrong_type(target_relation, 'table') -%}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- set strategy_macro = strategy_dispatch(strategy_name) -%}
    {%- set strategy = strategy_macro(model, "snapshotted_data", "source_data", model['config'], target_relation_exists) -%}

    {%- if not target_relation_exists -%}

        {%- call statement('main') -%}
            {{ create_table_as(False, target_relation, build_snapshot_table(strategy, model['compiled_code'])) }}
        {%- endcall -%}

    {%- else -%}

        {%- set columns = config.get("snapshot_table_column_names") or get_snapshot_table_column_names() -%}
        {{ adapter.valid_snapshot_target(target_relation, columns) }}

        {%- set staging_table = spark_build_snapshot_staging_table(strategy, sql, target_relation) -%}
        {%- set missing_columns = adapter.get_missing_columns(staging_table, target_relation)
                | rejectattr('name', 'in', ['dbt_change_type', 'DBT_CHANGE_TYPE', 'dbt_unique_key', 'DBT_UNIQUE_KEY'])
                | list -%}
        {%- do create_columns(target_relation, missing_columns) -%}

        {%- set merged_relation = target_relation.incorporate(path={'identifier': target_table ~ '__dbt_merged'}) -%}
        {%- set backup_relation = target_relation.incorporate(path={'identifier': target_table ~ '__dbt_backup'}) -%}
        {%- do adapter.drop_relation(merged_relation) -%}
        {%- do adapter.drop_relation(backup_relation) -%}

        {%- call statement('main') -%}
            {{ create_table_as(False, merged_relation, spark_snapshot_rewrite_sql(target_relation, staging_table, columns)) }}
        {%- endcall -%}

        {%- do post_snapshot(staging_table) -%}
        {%- do adapter.rename_relation(target_relation, backup_relation) -%}
        {%- do adapter.rename_relation(merged_relation, target_relation) -%}
        {%- do adapter.drop_relation(backup_relation) -%}

    {%- endif -%}

    {%- do apply_grants(target_relation, grant_config, should_revoke(target_relation_exists, full_refresh_mode)) -%}
    {%- do persist_docs(target_relation, model) -%}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}
