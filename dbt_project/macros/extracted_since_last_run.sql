{#-
    The rows an incremental model re-processes: a predicate on the extract time of its input, true on a full
    build. On an incremental run it keeps what was extracted at most incremental_lookback_days before the newest
    extract the model already holds (late pages of a long sync, re-loaded records). Put it where the model reads
    its driving input (a raw source or a staging table, each with an index on extracted_at), so that PostgreSQL
    reads only the new rows instead of filtering after reading them all.

    column: the input's extract time, e.g. 'source.extracted_at'. The model itself must carry an extracted_at
    column (the watermark is its newest value).

    The window re-reads the previous run's batch every time. Models reading an input that stamps its rows with
    the run that wrote them read by written_since_last_run instead, which re-reads nothing.
-#}
{% macro extracted_since_last_run(column='extracted_at') -%}
    {%- if is_incremental() -%}
    {%- set lookback = var('incremental_lookback_days') %}
    {{ column }} >= {{ newest_value(this, 'extracted_at', days_back=lookback, otherwise='1900-01-01') }}
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#-
    The newest value of timestamp `column` in `relation`, `days_back` days earlier, as SQL. When the model runs, a
    literal read first: PostgreSQL then plans for the few rows past it (an index range), where for a subquery it
    guesses that a third of the table passes and reads all of it. `otherwise` when the relation has no rows. In a
    unit test, whose relations are fixtures, not tables to read before the run, the same value as a subquery.
    before: SQL of a timestamp; only values below it count (the newest stamp before this run's: run_stamp()).
-#}
{% macro newest_value(relation, column, days_back=0, otherwise='-infinity', before=none) -%}
    {%- set newest = 'max(' ~ column ~ ')' -%}
    {%- set newest = dbt.dateadd('day', -1 * days_back, newest) if days_back else newest -%}
    {%- set rows = relation ~ (' where ' ~ column ~ ' < ' ~ before if before is not none else '') -%}
    {%- if execute and model.resource_type != 'unit_test' -%}
    {%- set value = run_query('select cast(' ~ newest ~ ' as text) from ' ~ rows).columns[0].values()[0] -%}
    cast('{{ value or otherwise }}' as timestamptz)
    {%- else -%}
    coalesce((select {{ newest }} from {{ rows }}), cast('{{ otherwise }}' as timestamptz))
    {%- endif -%}
{%- endmacro %}

{#-
    The config of an incremental model keyed by the records it was built from: a run deletes the stored rows of
    every key it re-processes and inserts their new rows (delete+insert), so a record re-extracted with fewer rows
    (a visit that lost an action) leaves none behind. key: the column naming the source record; it need not be
    unique in the model (several rows per record are replaced together).
-#}
{% macro incremental_by_record(key, unique=false, stamped=false) -%}
    {%- set indexes = [{'columns': [key], 'unique': unique}, {'columns': ['extracted_at']}] -%}
    {%- do indexes.append({'columns': ['written_at']}) if stamped -%}
    {{ config(
        materialized='incremental',
        unique_key=key,
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=indexes,
        post_hook=written_rows_analyzed() if stamped else [],
    ) }}
{%- endmacro %}

{#-
    The post-hook of a model whose rows the models after it read by written_at: analyze it, so that PostgreSQL's
    statistics know this run's stamp. Without it the planner sees no row newer than its last analyze, plans for
    one, and nests loops over every new row (at 1,000,000 buyers fct_touchpoints' channel rules ran for minutes
    over 100,000 new touches planned as one).
-#}
{% macro written_rows_analyzed() -%}
    {{ return(['analyze {{ this }}']) }}
{%- endmacro %}

{#-
    The rows an incremental model reads from an input that stamps every row it writes with the start of the run
    that wrote it (column written_at, indexed: incremental_by_record(..., stamped=true)): those written after the
    model's own newest stamp, true on a full build. Exact, with no lookback, so that a run reads only what the runs
    since the model's last one wrote (after a full build, the extract window of extracted_since_last_run re-read
    the build's newest batch, Mailchimp's whole 14-day re-pull). It rests on what docs/warehouse.md states: dbt runs
    never overlap, and a model runs after its inputs, so every row an input wrote by then carries a stamp at most
    the model's own. A run that reads rows but writes none leaves the stamp as it was: it reads them again next
    time and writes nothing again.

    stamp: the model's own run-stamp column (written_at; stitched_at for fct_touchpoints).
-#}
{% macro written_since_last_run(column='written_at', stamp='written_at') -%}
    {%- if is_incremental() -%}
    {{ column }} > {{ newest_value(this, stamp) }}
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- The start of this dbt run as SQL: the stamp of the rows it writes (written_at, stitched_at, labelled_at). -#}
{% macro run_stamp() -%}
    cast('{{ run_started_at.isoformat() }}' as timestamptz)
{%- endmacro %}

{#-
    For a model built from a raw stream whose extract window re-reads records (the previous run's batch, within
    incremental_lookback_days): a predicate keeping the raw records whose payload differs from the one the model
    last built their rows from, true on a full build. A record read again as it was is left alone, its rows and
    their extracted_at and written_at included, so the models downstream see only what changed. (The loader
    already leaves a re-pull that did not change as stored, extract time included: connectors/core/loader.py.)
    The model stores record_hash(...) as column record_hash on each of its rows, keyed by key_column (a lookup per
    record: indexed, or a hash anti-join over a small model). A record that yields no rows (no activity, a visit
    without an order) is never "as stored": it is re-read and again yields none.

    source: the raw table's alias in the model; key_column: the model's column holding the raw natural_key.
-#}
{% macro record_changed(source, key_column) -%}
    {%- if is_incremental() -%}
    not exists (
        select 1
        from {{ this }} as stored
        where stored.{{ key_column }} = {{ source }}.natural_key
            and stored.record_hash = {{ record_hash(source) }}
    )
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#-
    What identifies a raw record's content: the payload_hash the loader stores beside it (a 64-bit digest of the
    payload as loaded). Comparing it leaves an unchanged payload unread: hashing the jsonb here
    (jsonb_hash_extended) read and decompressed every re-read record's payload, a few KB per Matomo visit. Null for
    rows loaded before the loader kept it: such a record never counts as stored, and is processed again.
-#}
{% macro record_hash(source) -%}
    {{ source }}.payload_hash
{%- endmacro %}

{#-
    For a model built from Matomo's raw visits beside stg_matomo__visits (its orders, its goal conversions): the
    select of the raw visits stg_matomo__visits wrote since this model's own last run (their visit ids by its
    written_at index, then each raw row by its key; every visit on a full build), each payload decompressed once
    (macro payload_read_once). So the model reads what staging took in (new visits and changed ones) and nothing
    of what staging skipped (the extract window's re-read, unchanged re-pulls): reading the raw window itself
    parsed every re-read visit's actions again for nothing. The model must be stamped
    (incremental_by_record(..., stamped=true)) and declare `-- depends_on: {{ ref('stg_matomo__visits') }}`, as
    the ref below is only compiled on incremental runs.
-#}
{% macro matomo_visits_staged_since_last_run() -%}
    select
        raw_record.natural_key,
        raw_record.extracted_at,
        {{ payload_read_once('raw_record') }} as payload
    from {{ source('matomo', 'matomo__visits') }} as raw_record
    {%- if is_incremental() %}
    where raw_record.natural_key in (
        select visit_id from {{ ref('stg_matomo__visits') }}
        where {{ written_since_last_run() }}
    )
    {%- endif %}
    offset 0
{%- endmacro %}
