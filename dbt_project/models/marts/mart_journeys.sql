{{ incremental_per_customer(['conversion_id'], reads='journey_touches') }}
{#-
    Every conversion's journey as one row: the channels in the order the buyer met them, how many touches and days
    it took, where it started and what closed it. The journey is the one attribution credits
    (int_conversion_touches): the customer's counts_in_path touches after the previous purchase and at or before
    this one, within conversion_lookback_days, so a repeat purchase has its own journey. A conversion without any
    touch in its window keeps its row: zero touches, the path `direct` (GA4's "(direct) / (none)").

    Incremental per customer (macro customers_with_changed_touches), like int_conversion_touches that it reads: a
    run rebuilds the journeys of the customers whose touches changed since its last run.
-#}
-- depends_on: {{ ref('fct_touchpoints') }} (read by customers_with_changed_touches)
with

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}
    where {{ customers_with_changed_touches() }}

),

journeys as (

    select
        conversion_id,
        min(customer_key) as customer_key,
        min(converted_at) as converted_at,
        min(conversion_date) as conversion_date,
        min(conversion_type) as conversion_type,
        min(purchase_seq) as purchase_seq,
        min(revenue) as revenue,
        string_agg(channel, ' > ' order by touch_position) as channel_path,
        count(touch_id) as touches_before_purchase,
        count(distinct channel) filter (where not is_stand_in) as distinct_channels,
        min(occurred_at) filter (where not is_stand_in) as first_touch_at,
        min(occurred_at) filter (where touch_position = touch_count and not is_stand_in) as last_touch_at,
        max(touches_stitched_at) as touches_stitched_at
    from conversion_touches
    group by conversion_id

),

first_touches as (

    select
        conversion_id,
        channel as first_channel,
        campaign as first_campaign,
        landing_page as entry_point,
        source_system as entry_source_system
    from conversion_touches
    where touch_position = 1

),

last_touches as (

    select
        conversion_id,
        channel as last_channel,
        campaign as last_campaign
    from conversion_touches
    where touch_position = touch_count

),

final as (

    select
        cast(journeys.conversion_id as text) as conversion_id,
        cast(journeys.customer_key as text) as customer_key,
        cast(journeys.converted_at as timestamptz) as converted_at,
        cast(journeys.conversion_date as date) as conversion_date,
        cast(journeys.conversion_type as text) as conversion_type,
        cast(journeys.purchase_seq as integer) as purchase_seq,
        cast(journeys.purchase_seq = 1 as boolean) as is_first_purchase,
        cast(journeys.revenue as numeric) as revenue,
        cast(journeys.channel_path as text) as channel_path,
        cast(journeys.touches_before_purchase as integer) as touches_before_purchase,
        cast(journeys.distinct_channels as integer) as distinct_channels,
        cast(journeys.first_touch_at as timestamptz) as first_touch_at,
        cast(journeys.last_touch_at as timestamptz) as last_touch_at,
        cast(
            extract(epoch from journeys.converted_at - journeys.first_touch_at) / 86400.0 as double precision
        ) as days_from_first_touch,
        cast(first_touches.entry_point as text) as entry_point,
        cast(first_touches.entry_source_system as text) as entry_source_system,
        cast(first_touches.first_channel as text) as first_channel,
        cast(first_touches.first_campaign as text) as first_campaign,
        cast(last_touches.last_channel as text) as last_channel,
        cast(last_touches.last_campaign as text) as last_campaign,
        cast(journeys.touches_stitched_at as timestamptz) as touches_stitched_at
    from journeys
    inner join first_touches
        on first_touches.conversion_id = journeys.conversion_id
    inner join last_touches
        on last_touches.conversion_id = journeys.conversion_id

)

select * from final
