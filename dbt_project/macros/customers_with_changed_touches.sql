{#-
    Models built per customer (fct_web_sessions, ...) are incremental by customer_key: a run rebuilds every row of
    the customers whose touches changed since the model last ran, and only theirs. A customer's touches change when
    fct_touchpoints inserts or re-builds one of them, or when its post-hook moves one to a merged customer
    (restitch_customer_keys); both set the touch's stitched_at to that run's start. The model keeps, on each row,
    the newest stitched_at of its customer's touches (column touches_stitched_at); touches stitched after the
    model's newest value are the changes it has not seen.

    customers_with_changed_touches(column): a predicate keeping those customers (true on a full build), to put
    where the model reads fct_touchpoints (its index on customer_key makes that a lookup per customer; a semi-join,
    not `= any(array(...))`: a daily run can change 80,000 customers at 200,000 buyers, and an array that long is
    searched element by element wherever PostgreSQL applies it as a filter, minutes instead of seconds): the
    customers the changed touches belong to and the ones they left (previous_customer_key), whose remaining
    touches are rebuilt without them. A merge also makes a customer disappear: delete_customers_merged_away, the
    model's pre-hook, deletes the rows of every key a touch was moved away from.

    A model names the touches it reads (incremental_per_customer's `reads`, macro touches_read): a customer whose
    changed touches are all of other kinds keeps its rows: one who only opened an email has the sessions, purchases
    and journeys it had (at 50,000 buyers, a fifth to a third of a day's changed customers).
-#}
{#- The config of a model built per customer: delete+insert by customer_key, indexed on its own key (unique), the
    customer and its watermark column, the merged-away customers deleted first. `reads`: the touches whose changes
    the model must see (macro touches_read); `indexes`: more indexes (dbt's index configs). -#}
{% macro incremental_per_customer(key_columns, reads='all_touches', indexes=[]) -%}
    {{ config(
        meta={'touches_read': reads},
        materialized='incremental',
        unique_key='customer_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': key_columns, 'unique': true}]
            + ([] if key_columns == ['customer_key'] else [{'columns': ['customer_key']}])
            + [{'columns': ['touches_stitched_at']}]
            + indexes,
        pre_hook="{{ delete_customers_merged_away() }}",
    ) }}
{%- endmacro %}

{#- The newest stitched_at the model has seen, as a literal (macro newest_value; with the union below and
    fct_touchpoints' analyze, mart_journeys went from 35 s to 1.6 s at 200,000 buyers). -#}
{% macro changed_touches_watermark() -%}
    {%- if execute and model.resource_type != 'unit_test'
        and 'touches_stitched_at' not in adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        {#- built by an older version, before it was built per customer #}
        {%- do exceptions.raise_compiler_error(
            this ~ ' has no column touches_stitched_at: it was built by an older version of the project. '
            ~ 'Run the full build once: purchase-path dbt build --full-refresh'
        ) -%}
    {%- endif -%}
    {{ newest_value(this, 'touches_stitched_at') }}
{%- endmacro %}

{% macro customers_with_changed_touches(column='customer_key') -%}
    {%- if is_incremental() -%}
    {#- a union, not a lateral (values ...): PostgreSQL estimates two customers for the distinct values of a
        two-row VALUES list, and plans nested loops that took minutes over the real 18,000 (200,000 buyers) #}
    {%- set watermark = changed_touches_watermark() %}
    {{ column }} in (
        select touches.customer_key
        from {{ ref('fct_touchpoints') }} as touches
        where touches.stitched_at > {{ watermark }}
            and {{ touches_read('touches') }}
        union
        select touches.previous_customer_key
        from {{ ref('fct_touchpoints') }} as touches
        where touches.stitched_at > {{ watermark }}
            and touches.previous_customer_key is not null
            and {{ touches_read('touches') }}
    )
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{% macro delete_customers_merged_away() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where customer_key in (
        select previous_customer_key
        from {{ ref('fct_touchpoints') }}
        where stitched_at > {{ changed_touches_watermark() }}
            and previous_customer_key is not null
            and {{ touches_read() }}
    )
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}


{#- The touches the model being built reads (its incremental_per_customer `reads`), as a predicate on fct_touchpoints:
    - all_touches: every kind (first touch, stages);
    - web_visits: visits and the web shop's orders (fct_web_sessions);
    - journey_touches: the touches that count in a path and the purchases (conversions, journeys, credits). -#}
{% macro touches_read(alias=none) -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    {%- set reads = config.get('meta', {}).get('touches_read', 'all_touches') -%}
    {%- if reads == 'all_touches' -%}
    true
    {%- elif reads == 'web_visits' -%}
    {{ prefix }}touch_type in ('web_visit', 'ecommerce_order')
    {%- elif reads == 'journey_touches' -%}
    ({{ prefix }}counts_in_path or {{ prefix }}is_conversion)
    {%- else -%}
    {%- do exceptions.raise_compiler_error(
        'incremental_per_customer(reads=' ~ reads ~ '): use all_touches, web_visits or journey_touches') -%}
    {%- endif -%}
{%- endmacro %}
