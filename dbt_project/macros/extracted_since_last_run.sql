{#-
    The rows an incremental model re-processes: a predicate on the extract time of its input, true on a full
    build. On an incremental run it keeps what was extracted at most incremental_lookback_days before the newest
    extract the model already holds (late pages of a long sync, re-loaded records). Put it where the model reads
    its driving input (a raw source or a staging table, each with an index on extracted_at), so that PostgreSQL
    reads only the new rows instead of filtering after reading them all.

    column: the input's extract time, e.g. 'source.extracted_at'. The model itself must carry an extracted_at
    column (the watermark is its newest value).
-#}
{% macro extracted_since_last_run(column='extracted_at') -%}
    {%- if is_incremental() and model.resource_type == 'unit_test' -%}
    {#- a unit test's `this` is a fixture, not a table to read before the run -#}
    {{ column }} >= (
        select {{ dbt.dateadd('day', -1 * var('incremental_lookback_days'), 'max(extracted_at)') }} from {{ this }}
    )
    {%- elif is_incremental() and execute -%}
    {#- The bound as a literal, read before the model runs: with a subquery PostgreSQL guesses that a third of the
        input passes and reads all of it; with the value it reads the index range of the new rows. -#}
    {%- set bound_sql -%}
        select cast({{ dbt.dateadd('day', -1 * var('incremental_lookback_days'), 'max(extracted_at)') }} as text)
        from {{ this }}
    {%- endset -%}
    {%- set bound = run_query(bound_sql).columns[0].values()[0] -%}
    {{ column }} >= cast('{{ bound or "1900-01-01" }}' as timestamptz)
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#-
    The config of an incremental model keyed by the records it was built from: a run deletes the stored rows of
    every key it re-processes and inserts their new rows (delete+insert), so a record re-extracted with fewer rows
    (a visit that lost an action) leaves none behind. key: the column naming the source record; it need not be
    unique in the model (several rows per record are replaced together).
-#}
{% macro incremental_by_record(key, unique=false) -%}
    {{ config(
        materialized='incremental',
        unique_key=key,
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': [key], 'unique': unique}, {'columns': ['extracted_at']}],
    ) }}
{%- endmacro %}
