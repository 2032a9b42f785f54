{{ incremental_per_customer(['session_id'], reads='web_visits', indexes=[sessions_by_landing_page_index()]) }}
{#-
    A customer's web sessions across devices and analytics tools. The web analytics report visits per device and
    cookie; once stitched, one customer's visits that follow one another within session_timeout_minutes (from the
    end of one, occurred_at + engagement_seconds, to the start of the next) are one session, as analytics tools
    cut sessions after 30 minutes without activity. The session takes its source, channel and landing page from
    its first visit.

    Incremental per customer (macro customers_with_changed_touches): a run rebuilds all sessions of the customers
    whose touches changed since its last run, since one new visit can join two sessions or a merge of customers
    can join their sessions; the sessions of a customer merged away are deleted by the pre-hook.
-#}
with

visits as (

    select
        touch_id,
        customer_key,
        occurred_at,
        occurred_at + make_interval(secs => coalesce(engagement_seconds, 0)) as ended_at,
        channel,
        traffic_source,
        traffic_medium,
        campaign,
        landing_page,
        engagement_seconds,
        is_bounce,
        stitched_at
    from {{ ref('fct_touchpoints') }}
    where touch_type = 'web_visit'
        and {{ customers_with_changed_touches() }}

),

gaps as (

    select
        *,
        case
            when occurred_at - max(ended_at) over (
                partition by customer_key
                order by occurred_at, touch_id
                rows between unbounded preceding and 1 preceding
            ) <= interval '{{ var("session_timeout_minutes") | int }} minutes'
                then 0
            else 1
        end as starts_session
    from visits

),

numbered as (

    select
        *,
        sum(starts_session) over (partition by customer_key order by occurred_at, touch_id) as session_seq
    from gaps

),

sessions as (

    select
        customer_key,
        session_seq,
        min(occurred_at) as started_at,
        max(ended_at) as ended_at,
        count(*) as visits,
        sum(coalesce(engagement_seconds, 0)) as engagement_seconds,
        bool_and(coalesce(is_bounce, false)) and count(*) = 1 as is_bounce,
        (array_agg(touch_id order by occurred_at, touch_id))[1] as first_touch_id,
        max(stitched_at) as stitched_at
    from numbered
    group by
        customer_key,
        session_seq

),

orders as (

    select
        customer_key,
        occurred_at
    from {{ ref('fct_touchpoints') }}
    where touch_type = 'ecommerce_order'
        and {{ customers_with_changed_touches() }}

),

{#- A join, not a correlated exists: the planner hashes it on the customer instead of scanning every order once
    per session (quadratic: 4 minutes at 10,000 buyers, docs/benchmarks.md "Warehouse build"). #}
sessions_with_order as (

    select distinct
        sessions.customer_key,
        sessions.session_seq
    from sessions
    inner join orders
        on orders.customer_key = sessions.customer_key
        and orders.occurred_at between sessions.started_at
        and sessions.ended_at + interval '{{ var("session_timeout_minutes") | int }} minutes'

),

final as (

    select
        cast(sessions.first_touch_id as text) as session_id,
        cast(sessions.customer_key as text) as customer_key,
        cast(sessions.session_seq as integer) as session_seq,
        cast(sessions.started_at as timestamptz) as started_at,
        cast(sessions.ended_at as timestamptz) as ended_at,
        {{ local_date('sessions.started_at', var('report_timezone')) }} as session_date,
        cast(sessions.visits as integer) as visits,
        cast(first_visits.channel as text) as channel,
        cast(first_visits.traffic_source as text) as traffic_source,
        cast(first_visits.traffic_medium as text) as traffic_medium,
        cast(first_visits.campaign as text) as campaign,
        cast(first_visits.landing_page as text) as landing_page,
        cast(sessions.engagement_seconds as integer) as engagement_seconds,
        cast(sessions.is_bounce as boolean) as is_bounce,
        cast(sessions_with_order.customer_key is not null as boolean) as has_order,
        cast(max(sessions.stitched_at) over (partition by sessions.customer_key) as timestamptz)
            as touches_stitched_at
    from sessions
    inner join visits as first_visits
        on first_visits.touch_id = sessions.first_touch_id
    left join sessions_with_order
        on sessions_with_order.customer_key = sessions.customer_key
        and sessions_with_order.session_seq = sessions.session_seq

)

select * from final
