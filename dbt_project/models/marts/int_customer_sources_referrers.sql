{{ config(schema='intermediate') }}
{{ incremental_per_customer(['customer_key', 'report_month', 'traffic_source', 'traffic_medium', 'referrer_domain']) }}
{#-
    mart_sources_referrers for one customer at a time: per customer, month and traffic source / medium / referrer,
    their web visits and the purchases those visits started, closed or took part in (same rules as the mart).
    Every count adds up across customers (a purchase belongs to one customer, so its distinct count does too, and
    a customer with visits is one visitor), so the mart sums these rows instead of re-reading every touch each day.

    Incremental per customer (macro customers_with_changed_touches): a run rebuilds the rows of the customers
    whose touches changed since its last run. touches_stitched_at is the newest stitched_at of all the customer's
    touches, visits or not, so that a change in another touch is not seen twice.
-#}
with

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}
    where {{ customers_with_changed_touches() }}

),

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}
    where {{ customers_with_changed_touches() }}

),

customer_stamps as (

    select
        customer_key,
        max(stitched_at) as touches_stitched_at
    from touchpoints
    group by customer_key

),

visits as (

    select
        touch_id,
        customer_key,
        cast(date_trunc('month', touch_date) as date) as report_month,
        {{ ga4_traffic_source() }} as traffic_source,
        {{ ga4_traffic_medium() }} as traffic_medium,
        coalesce(referrer_domain, '(none)') as referrer_domain,
        channel
    from touchpoints
    where touch_type = 'web_visit'

),

visit_counts as (

    select
        customer_key,
        report_month,
        traffic_source,
        traffic_medium,
        referrer_domain,
        min(channel) as visit_channel,
        count(*) as visits
    from visits
    group by
        customer_key,
        report_month,
        traffic_source,
        traffic_medium,
        referrer_domain

),

journey_visits as (

    select
        conversion_touches.customer_key,
        conversion_touches.conversion_id,
        conversion_touches.touch_position,
        conversion_touches.touch_count,
        conversion_touches.revenue,
        cast(date_trunc('month', conversion_touches.conversion_date) as date) as report_month,
        visits.traffic_source,
        visits.traffic_medium,
        visits.referrer_domain,
        visits.channel
    from conversion_touches
    inner join visits
        on visits.touch_id = conversion_touches.touch_id

),

conversion_counts as (

    select
        customer_key,
        report_month,
        traffic_source,
        traffic_medium,
        referrer_domain,
        min(channel) as conversion_channel,
        count(distinct conversion_id) filter (where touch_position = 1) as first_touch_conversions,
        count(distinct conversion_id) filter (where touch_position = touch_count) as last_touch_conversions,
        count(distinct conversion_id) as assisted_conversions,
        sum(revenue) filter (where touch_position = touch_count) as last_touch_revenue
    from journey_visits
    group by
        customer_key,
        report_month,
        traffic_source,
        traffic_medium,
        referrer_domain

),

final as (

    select
        cast(coalesce(visit_counts.customer_key, conversion_counts.customer_key) as text) as customer_key,
        cast(coalesce(visit_counts.report_month, conversion_counts.report_month) as date) as report_month,
        cast(coalesce(visit_counts.traffic_source, conversion_counts.traffic_source) as text) as traffic_source,
        cast(coalesce(visit_counts.traffic_medium, conversion_counts.traffic_medium) as text) as traffic_medium,
        cast(coalesce(visit_counts.referrer_domain, conversion_counts.referrer_domain) as text) as referrer_domain,
        cast(visit_counts.visit_channel as text) as visit_channel,
        cast(conversion_counts.conversion_channel as text) as conversion_channel,
        cast(coalesce(visit_counts.visits, 0) as bigint) as visits,
        cast(coalesce(conversion_counts.first_touch_conversions, 0) as bigint) as first_touch_conversions,
        cast(coalesce(conversion_counts.last_touch_conversions, 0) as bigint) as last_touch_conversions,
        cast(coalesce(conversion_counts.assisted_conversions, 0) as bigint) as assisted_conversions,
        cast(conversion_counts.last_touch_revenue as numeric) as last_touch_revenue,
        cast(customer_stamps.touches_stitched_at as timestamptz) as touches_stitched_at
    from visit_counts
    full outer join conversion_counts
        on conversion_counts.customer_key = visit_counts.customer_key
        and conversion_counts.report_month = visit_counts.report_month
        and conversion_counts.traffic_source = visit_counts.traffic_source
        and conversion_counts.traffic_medium = visit_counts.traffic_medium
        and conversion_counts.referrer_domain = visit_counts.referrer_domain
    inner join customer_stamps
        on customer_stamps.customer_key = coalesce(visit_counts.customer_key, conversion_counts.customer_key)

)

select * from final
