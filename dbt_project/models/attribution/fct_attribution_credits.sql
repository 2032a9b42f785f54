{{ config(materialized='view') }}
{#-
    Every model's credit for every touch of every conversion's journey: the rule-based models from SQL (stored,
    per customer, in int_rule_based_credits), the data-driven ones (Markov, Shapley) from the per-path shares
    attribution/warehouse.py writes after the quality gate (source attribution.data_driven_path_credits). A
    data-driven share belongs to a channel on a path; it is split equally among that channel's touches in the
    journey, so campaigns get their part.

    The data-driven part reads the shares of the last `purchase-path attribute --warehouse` run: before the first
    run it is empty, and a conversion whose path that run did not see has no data-driven credit until the next
    run (the Airflow task `attribute` runs the models and rebuilds the marts right after).

    A view: every data-driven run re-credits every journey, so storing its per-touch credits would rewrite them
    all each day; read through this view, they cost a join when a mart or an analyst reads them. A filter on
    customer_key or touches_stitched_at reaches both parts and their indexes.
-#}
{%- set path_credits_source = source('attribution', 'data_driven_path_credits') -%}
{%- set path_credits_exist = execute and adapter.get_relation(
    database=path_credits_source.database,
    schema=path_credits_source.schema,
    identifier=path_credits_source.identifier,
) is not none -%}

with

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}

),

journeys as (

    select * from {{ ref('int_attribution_paths') }}

),

path_credits as (

    {% if path_credits_exist -%}
    select
        attribution_model,
        channel_path,
        channel,
        credit
    from {{ path_credits_source }}
    {%- else -%}
    -- No data-driven run yet: an empty table of the same shape.
    select
        cast(null as text) as attribution_model,
        cast(null as text) as channel_path,
        cast(null as text) as channel,
        cast(null as double precision) as credit
    where false
    {%- endif %}

),

channel_touches as (

    select
        customer_key,
        conversion_id,
        touch_position,
        channel,
        count(*) over (partition by customer_key, conversion_id, channel) as touches_on_channel
    from conversion_touches

),

data_driven_credits as (

    select
        channel_touches.customer_key,
        channel_touches.conversion_id,
        channel_touches.touch_position,
        path_credits.attribution_model,
        path_credits.credit / channel_touches.touches_on_channel as credit
    from journeys
    inner join path_credits
        on path_credits.channel_path = journeys.channel_path
    inner join channel_touches
        on channel_touches.customer_key = journeys.customer_key
        and channel_touches.conversion_id = journeys.conversion_id
        and channel_touches.channel = path_credits.channel
    where journeys.is_converted

),

data_driven_final as (

    {{ credited_touches('data_driven_credits') }}

),

rule_based_final as (

    select
        conversion_id,
        touch_position,
        attribution_model,
        touch_id,
        is_stand_in,
        occurred_at,
        channel,
        campaign,
        customer_key,
        converted_at,
        conversion_date,
        credit,
        credited_revenue,
        touches_stitched_at
    from {{ ref('int_rule_based_credits') }}

),

final as (

    select * from rule_based_final
    union all
    select * from data_driven_final

)

select * from final
