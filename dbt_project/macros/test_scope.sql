{#-
    Daily data tests check what the run wrote (issue 5); the full build (`--full-refresh`) checks every row.

    dbt hands every generic data test the model it tests through `get_where_subquery` (the `where` test config;
    https://docs.getdbt.com/reference/resource-configs/where, "Custom logic"). This project's version narrows an
    *incremental* model to its recent rows, so no test yml needs a hand-written filter:

    - A model opts in explicitly with `config: {meta: {recent_rows_column: extracted_at}}` in its yml: a column
      that is new on every row a run writes (`extracted_at` where rows are rebuilt per source record;
      `stitched_at` in fct_touchpoints, whose post-hook also moves old touches; `touches_stitched_at` in models
      rebuilt per customer). Recent rows are those within `incremental_lookback_days` of the model's newest
      `extracted_at`; for a column stamped by the run that wrote the row (run_stamped_columns) they are the rows
      of its newest stamp, what the latest run that changed the model wrote (a lookback of days would make the
      daily run after a full build re-test every row that build stamped hours earlier).
      The column must be indexed (the bound and the filter are then index reads; without an index a scoped test
      scans the table twice, not once). A view over one incremental model may opt in with a column of that model
      it shows (fct_email_activity: stitched_at), indexed there. `tests/test_dbt_test_scope.py` holds every incremental model to declaring
      one, or `all_rows` when a run may rewrite any row (then its tests read every row).
    - Tables rebuilt whole (seeds, tables, the marts) and views that do not opt in are always tested whole.
    - Uniqueness (`unique`, `unique_combination`) checks the keys of the recent rows against *every* row, so a new
      row that repeats an old key still fails (an index on the key makes that one lookup per recent key).
    - `relationships` scopes the child side only: the parent (`to`) is read whole, as dbt passes it as it is.
    - Singular tests read whole tables unless they call `recent_rows(ref(...))` themselves.

    A run that catches up after more than `incremental_lookback_days` without dbt writes older rows than its
    tests read: run the full build (docs/warehouse.md, "Daily and weekly builds") after such a gap.
-#}

{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set scoped = recent_rows(relation, key_columns=tested_key_columns()) -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ scoped ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(scoped) -%}
{%- endmacro %}


{#- The rows of `relation` a daily test reads: the relation itself, or its recent rows as a subquery. With
    key_columns, the rows of every key a recent row has, old rows included (for uniqueness tests; a key with a
    null part is left to the not_null tests). -#}
{% macro recent_rows(relation, key_columns=none) -%}
    {%- set column = recent_rows_column(relation) -%}
    {%- if column is none -%}
        {%- do return(relation) -%}
    {%- endif -%}
    {%- set recent = column ~ ' >= ' ~ recent_rows_bound(relation, column) -%}
    {%- if key_columns -%}
        {%- set keys = key_columns | join(', ') -%}
        {%- set recent = '(' ~ keys ~ ') in (select ' ~ keys ~ ' from ' ~ relation ~ ' where ' ~ recent ~ ')' -%}
    {%- endif -%}
    {%- do return('(select * from ' ~ relation ~ ' where ' ~ recent ~ ') recent_rows') -%}
{%- endmacro %}


{#- The oldest value of `column` a recent row has (incremental_lookback_days before the newest; for a run stamp,
    the newest), read when the test runs and written into the test as a literal, so that PostgreSQL sees how few
    rows pass (an index range scan, and for keys an index lookup per recent key) instead of guessing a third of the
    table for a subquery. -#}
{% macro recent_rows_bound(relation, column) -%}
    {%- set days = 0 if column in run_stamped_columns() else var('incremental_lookback_days') | float -%}
    {%- set bound = dbt.dateadd('day', -1 * days, 'max(' ~ column ~ ')') | trim -%}
    {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
        {%- do return('(select ' ~ bound ~ ' from ' ~ relation ~ ')') -%}  {#- not built yet: `dbt compile` #}
    {%- endif -%}
    {%- set value = run_query('select cast(' ~ bound ~ ' as text) from ' ~ relation).columns[0].values()[0] -%}
    {%- do return('null' if value is none else "'" ~ value ~ "'") -%}
{%- endmacro %}


{#- The column that scopes tests on `relation` in this run, or none when they read every row. -#}
{% macro recent_rows_column(relation) -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model'
        and node.schema | lower == relation.schema | lower
        and node.alias | lower == relation.identifier | lower -%}
        {%- set column = node.config.meta.get('recent_rows_column') -%}
        {%- if node.config.materialized in ('incremental', 'view') and column and column != 'all_rows' -%}
            {%- do return(column) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do return(none) -%}
{%- endmacro %}


{#- The key a uniqueness test checks (the test being compiled is `model` here), or none for other tests. -#}
{% macro tested_key_columns() -%}
    {%- set test = model.get('test_metadata') or {} -%}
    {%- if test.get('name') == 'unique' -%}
        {%- do return([test.kwargs.column_name]) -%}
    {%- elif test.get('name') == 'unique_combination' -%}
        {%- do return(test.kwargs.columns) -%}
    {%- endif -%}
    {%- do return(none) -%}
{%- endmacro %}


{#- The bookkeeping columns a model fills with the start of the run that writes the row (or, touches_stitched_at,
    with the newest such stamp of the customer's touches): a run's rows share its stamp. -#}
{% macro run_stamped_columns() -%}
    {%- do return(['stitched_at', 'touches_stitched_at', 'labelled_at', 'written_at']) -%}
{%- endmacro %}
