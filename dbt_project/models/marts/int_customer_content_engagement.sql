{{ config(schema='intermediate') }}
{{ incremental_per_customer(['customer_key', 'session_month', 'landing_page']) }}
{#-
    mart_content_engagement for one customer at a time: per customer, month and landing page, their sessions
    that started there (fct_web_sessions) with their bounces, engagement and orders, and their purchases whose
    journey has a visit landing on the page in the month (same rules as the mart). Every count adds up across
    customers (a purchase belongs to one customer), so the mart sums these rows instead of re-reading every
    session and touch each day.

    Incremental per customer (macro customers_with_changed_touches): a run rebuilds the rows of the customers
    whose touches changed since its last run; touches_stitched_at is the newest stitched_at of all their touches.
-#}
with

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}
    where {{ customers_with_changed_touches() }}

),

web_sessions as (

    select * from {{ ref('fct_web_sessions') }}
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

page_sessions as (

    select
        customer_key,
        cast(date_trunc('month', session_date) as date) as session_month,
        coalesce(landing_page, '(not set)') as landing_page,
        count(*) as sessions,
        count(*) filter (where is_bounce) as bounces,
        sum(coalesce(engagement_seconds, 0)) as engagement_seconds,
        count(*) filter (where has_order) as sessions_with_order
    from web_sessions
    group by
        customer_key,
        cast(date_trunc('month', session_date) as date),
        coalesce(landing_page, '(not set)')

),

journey_landings as (

    select
        conversion_touches.customer_key,
        cast(date_trunc('month', touchpoints.touch_date) as date) as session_month,
        coalesce(touchpoints.landing_page, '(not set)') as landing_page,
        count(distinct conversion_touches.conversion_id) as purchases_in_journeys
    from conversion_touches
    inner join touchpoints
        on touchpoints.touch_id = conversion_touches.touch_id
    where touchpoints.touch_type = 'web_visit'
    group by
        conversion_touches.customer_key,
        cast(date_trunc('month', touchpoints.touch_date) as date),
        coalesce(touchpoints.landing_page, '(not set)')

),

final as (

    select
        cast(coalesce(page_sessions.customer_key, journey_landings.customer_key) as text) as customer_key,
        cast(coalesce(page_sessions.session_month, journey_landings.session_month) as date) as session_month,
        cast(coalesce(page_sessions.landing_page, journey_landings.landing_page) as text) as landing_page,
        cast(coalesce(page_sessions.sessions, 0) as bigint) as sessions,
        cast(coalesce(page_sessions.bounces, 0) as bigint) as bounces,
        cast(coalesce(page_sessions.engagement_seconds, 0) as bigint) as engagement_seconds,
        cast(coalesce(page_sessions.sessions_with_order, 0) as bigint) as sessions_with_order,
        cast(coalesce(journey_landings.purchases_in_journeys, 0) as bigint) as purchases_in_journeys,
        cast(customer_stamps.touches_stitched_at as timestamptz) as touches_stitched_at
    from page_sessions
    full outer join journey_landings
        on journey_landings.customer_key = page_sessions.customer_key
        and journey_landings.session_month = page_sessions.session_month
        and journey_landings.landing_page = page_sessions.landing_page
    inner join customer_stamps
        on customer_stamps.customer_key = coalesce(page_sessions.customer_key, journey_landings.customer_key)

)

select * from final
