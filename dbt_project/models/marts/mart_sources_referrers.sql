{#-
    Which traffic sources and referring sites bring buyers: per month and source / medium / referrer, the web
    visits they sent, the people, and the purchases they started, closed or took part in. A purchase's journey
    is int_conversion_touches (the same one attribution credits): `first_touch_conversions` are purchases whose
    journey began with a visit from the source, `last_touch_conversions` those whose last touch before buying was
    one, `assisted_conversions` all purchases with at least one such visit in the journey (so they add up to more
    than the purchases). Visits count in the month they happened; purchases in the month of the purchase.
    Sources and referrers are as the web analytics recorded them (utm_source, utm_medium, the referring domain);
    a visit without any is `(direct)` / `(none)`, GA4's name for it.
-#}
with

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}

),

{#- fct_touchpoints has an index on exactly these expressions (macro web_visits_by_source_index in
    macros/mart_grouping_indexes.sql), which PostgreSQL reads in order, without sorting every visit for the
    distinct visitors. -#}
visit_counts as (

    select
        {{ month_of('touch_date') }} as report_month,
        {{ ga4_traffic_source() }} as traffic_source,
        {{ ga4_traffic_medium() }} as traffic_medium,
        coalesce(referrer_domain, '(none)') as referrer_domain,
        min(channel) as channel,
        count(*) as visits,
        count(distinct customer_key) as visitors
    from touchpoints
    where touch_type = 'web_visit'
    group by 1, 2, 3, 4

),

journey_visits as (

    select
        conversion_id,
        touch_position,
        touch_count,
        revenue,
        {{ month_of('conversion_date') }} as report_month,
        {{ ga4_traffic_source() }} as traffic_source,
        {{ ga4_traffic_medium() }} as traffic_medium,
        coalesce(referrer_domain, '(none)') as referrer_domain,
        channel
    from conversion_touches
    where touch_type = 'web_visit'

),

conversion_counts as (

    select
        report_month,
        traffic_source,
        traffic_medium,
        referrer_domain,
        min(channel) as channel,
        count(distinct conversion_id) filter (where touch_position = 1) as first_touch_conversions,
        count(distinct conversion_id) filter (where touch_position = touch_count) as last_touch_conversions,
        count(distinct conversion_id) as assisted_conversions
    from journey_visits
    group by
        report_month,
        traffic_source,
        traffic_medium,
        referrer_domain

),

last_touch_revenue as (

    select
        report_month,
        traffic_source,
        traffic_medium,
        referrer_domain,
        sum(revenue) as last_touch_revenue
    from journey_visits
    where touch_position = touch_count
    group by
        report_month,
        traffic_source,
        traffic_medium,
        referrer_domain

),

keys as (

    select report_month, traffic_source, traffic_medium, referrer_domain from visit_counts
    union
    select report_month, traffic_source, traffic_medium, referrer_domain from conversion_counts

),

final as (

    select
        cast(keys.report_month as date) as report_month,
        cast(keys.traffic_source as text) as traffic_source,
        cast(keys.traffic_medium as text) as traffic_medium,
        cast(keys.referrer_domain as text) as referrer_domain,
        cast(coalesce(visit_counts.channel, conversion_counts.channel) as text) as channel,
        cast(coalesce(visit_counts.visits, 0) as bigint) as visits,
        cast(coalesce(visit_counts.visitors, 0) as bigint) as visitors,
        cast(coalesce(conversion_counts.first_touch_conversions, 0) as bigint) as first_touch_conversions,
        cast(coalesce(conversion_counts.last_touch_conversions, 0) as bigint) as last_touch_conversions,
        cast(coalesce(conversion_counts.assisted_conversions, 0) as bigint) as assisted_conversions,
        cast(coalesce(last_touch_revenue.last_touch_revenue, 0) as numeric) as last_touch_revenue
    from keys
    left join visit_counts
        on visit_counts.report_month = keys.report_month
        and visit_counts.traffic_source = keys.traffic_source
        and visit_counts.traffic_medium = keys.traffic_medium
        and visit_counts.referrer_domain = keys.referrer_domain
    left join conversion_counts
        on conversion_counts.report_month = keys.report_month
        and conversion_counts.traffic_source = keys.traffic_source
        and conversion_counts.traffic_medium = keys.traffic_medium
        and conversion_counts.referrer_domain = keys.referrer_domain
    left join last_touch_revenue
        on last_touch_revenue.report_month = keys.report_month
        and last_touch_revenue.traffic_source = keys.traffic_source
        and last_touch_revenue.traffic_medium = keys.traffic_medium
        and last_touch_revenue.referrer_domain = keys.referrer_domain

)

select * from final
