{#-
    Which pages open sessions, and how well: per month and landing (entry) page, the sessions that started there,
    how many bounced, how long people stayed, how many ended in a web-shop order, and how many purchases had a
    visit landing on the page in their journey. Sessions are the customer's stitched web sessions
    (fct_web_sessions: visits within session_timeout_minutes, across devices and analytics tools); the month is the
    session's start in the report time zone.

    Summed from int_customer_content_engagement, the same counts per customer, rebuilt daily for the customers
    whose touches changed: distinct visitors are the customers with a session, distinct purchases add up across
    customers. A page and month with purchases in journeys but no session that started there has no row.
-#}
with

per_customer as (

    select * from {{ ref('int_customer_content_engagement') }}

),

page_months as (

    select
        session_month,
        landing_page,
        sum(sessions) as sessions,
        count(*) filter (where sessions > 0) as visitors,
        sum(bounces) as bounces,
        sum(engagement_seconds) as engagement_seconds,
        sum(sessions_with_order) as sessions_with_order,
        sum(purchases_in_journeys) as purchases_in_journeys
    from per_customer
    group by
        session_month,
        landing_page
    having sum(sessions) > 0

),

final as (

    select
        cast(session_month as date) as session_month,
        cast(landing_page as text) as landing_page,
        cast(sessions as bigint) as sessions,
        cast(visitors as bigint) as visitors,
        cast(bounces as bigint) as bounces,
        cast(bounces / cast(sessions as numeric) as double precision) as bounce_rate,
        cast(engagement_seconds / cast(sessions as numeric) as double precision) as average_engagement_seconds,
        cast(sessions_with_order as bigint) as sessions_with_order,
        cast(sessions_with_order / cast(sessions as numeric) as double precision) as conversion_rate,
        cast(purchases_in_journeys as bigint) as purchases_in_journeys
    from page_months

)

select * from final
