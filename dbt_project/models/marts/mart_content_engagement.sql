{#-
    Which pages open sessions, and how well: per month and landing (entry) page, the sessions that started there,
    how many bounced, how long people stayed, how many ended in a web-shop order, and how many purchases had a
    visit landing on the page in their journey. Sessions are the customer's stitched web sessions
    (fct_web_sessions: visits within session_timeout_minutes, across devices and analytics tools); the month is the
    session's start in the report time zone.
-#}
with

web_sessions as (

    select * from {{ ref('fct_web_sessions') }}

),

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}

),

{#- fct_web_sessions has an index on exactly this grouping (macro sessions_by_landing_page_index), which PostgreSQL
    reads in order, without sorting every session for the distinct visitors. -#}
page_sessions as (

    select
        {{ month_of('session_date') }} as session_month,
        coalesce(landing_page, '(not set)') as landing_page,
        count(*) as sessions,
        count(distinct customer_key) as visitors,
        count(*) filter (where is_bounce) as bounces,
        avg(coalesce(engagement_seconds, 0)) as average_engagement_seconds,
        count(*) filter (where has_order) as sessions_with_order
    from web_sessions
    group by 1, 2

),

journey_landings as (

    select
        {{ month_of(local_date('occurred_at', var('report_timezone'))) }} as session_month,
        coalesce(landing_page, '(not set)') as landing_page,
        count(distinct conversion_id) as purchases_in_journeys
    from conversion_touches
    where touch_type = 'web_visit'
    group by 1, 2

),

final as (

    select
        cast(page_sessions.session_month as date) as session_month,
        cast(page_sessions.landing_page as text) as landing_page,
        cast(page_sessions.sessions as bigint) as sessions,
        cast(page_sessions.visitors as bigint) as visitors,
        cast(page_sessions.bounces as bigint) as bounces,
        cast(page_sessions.bounces / cast(page_sessions.sessions as numeric) as double precision) as bounce_rate,
        cast(page_sessions.average_engagement_seconds as double precision) as average_engagement_seconds,
        cast(page_sessions.sessions_with_order as bigint) as sessions_with_order,
        cast(page_sessions.sessions_with_order / cast(page_sessions.sessions as numeric) as double precision)
            as conversion_rate,
        cast(coalesce(journey_landings.purchases_in_journeys, 0) as bigint) as purchases_in_journeys
    from page_sessions
    left join journey_landings
        on journey_landings.session_month = page_sessions.session_month
        and journey_landings.landing_page = page_sessions.landing_page

)

select * from final
