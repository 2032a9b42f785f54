{{ incremental_per_customer(['journey_id'], reads='journey_touches') }}
{#-
    Every journey as one row with its channel path, the input of the data-driven models (attribution/warehouse.py):
    each conversion's cycle (from int_conversion_touches), and each customer's open journey, the touches after
    their last purchase (or all, for a customer who never bought) that have not converted (yet), within
    conversion_lookback_days before the journey's last touch. Markov needs the open journeys: they are the paths
    that end in "null".

    Incremental per customer (macro customers_with_changed_touches), like int_conversion_touches: a run rebuilds
    the journeys, converted and open, of the customers whose touches changed since its last run.
-#}
with

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}
    where {{ customers_with_changed_touches() }}

),

conversions as (

    select * from {{ ref('fct_conversions') }}
    where {{ customers_with_changed_touches() }}

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}
    where {{ customers_with_changed_touches() }}

),

converted_journeys as (

    select
        conversion_id as journey_id,
        conversion_id,
        customer_key,
        true as is_converted,
        max(revenue) as revenue,
        max(converted_at) as ended_at,
        count(*) as touch_count,
        string_agg(channel, '>' order by touch_position) as channel_path,
        max(touches_stitched_at) as stitched_at
    from conversion_touches
    group by
        conversion_id,
        customer_key

),

last_purchases as (

    select
        customer_key,
        max(converted_at) as last_converted_at
    from conversions
    group by customer_key

),

open_touches as (

    select
        touchpoints.customer_key,
        touchpoints.touch_id,
        touchpoints.occurred_at,
        touchpoints.channel,
        touchpoints.stitched_at,
        max(touchpoints.occurred_at) over (partition by touchpoints.customer_key) as last_touch_at
    from touchpoints
    left join last_purchases
        on last_purchases.customer_key = touchpoints.customer_key
    where
        touchpoints.counts_in_path
        and (last_purchases.last_converted_at is null or touchpoints.occurred_at > last_purchases.last_converted_at)

),

open_journeys as (

    select
        'open:' || customer_key as journey_id,
        cast(null as text) as conversion_id,
        customer_key,
        false as is_converted,
        cast(null as numeric) as revenue,
        max(occurred_at) as ended_at,
        count(*) as touch_count,
        string_agg(channel, '>' order by occurred_at, touch_id) as channel_path,
        max(stitched_at) as stitched_at
    from open_touches
    where occurred_at >= {{ dbt.dateadd('day', -1 * var('conversion_lookback_days'), 'last_touch_at') }}
    group by customer_key

),

journeys as (

    select * from converted_journeys
    union all
    select * from open_journeys

),

final as (

    select
        cast(journey_id as text) as journey_id,
        cast(conversion_id as text) as conversion_id,
        cast(customer_key as text) as customer_key,
        cast(is_converted as boolean) as is_converted,
        cast(revenue as numeric) as revenue,
        cast(ended_at as timestamptz) as ended_at,
        cast(touch_count as integer) as touch_count,
        cast(channel_path as text) as channel_path,
        cast(max(stitched_at) over (partition by customer_key) as timestamptz) as touches_stitched_at
    from journeys

)

select * from final
