{#-
    Which traffic sources and referring sites bring buyers: per month and source / medium / referrer, the web
    visits they sent, the people, and the purchases they started, closed or took part in. A purchase's journey
    is int_conversion_touches (the same one attribution credits): `first_touch_conversions` are purchases whose
    journey began with a visit from the source, `last_touch_conversions` those whose last touch before buying was
    one, `assisted_conversions` all purchases with at least one such visit in the journey (so they add up to more
    than the purchases). Visits count in the month they happened; purchases in the month of the purchase.
    Sources and referrers are as the web analytics recorded them (utm_source, utm_medium, the referring domain);
    a visit without any is `(direct)` / `(none)`, GA4's name for it.

    Summed from int_customer_sources_referrers, the same counts per customer, rebuilt daily for the customers whose
    touches changed: distinct visitors are the customers with a visit, distinct purchases add up across customers.
-#}
with

per_customer as (

    select * from {{ ref('int_customer_sources_referrers') }}

),

final as (

    select
        cast(report_month as date) as report_month,
        cast(traffic_source as text) as traffic_source,
        cast(traffic_medium as text) as traffic_medium,
        cast(referrer_domain as text) as referrer_domain,
        cast(coalesce(min(visit_channel), min(conversion_channel)) as text) as channel,
        cast(sum(visits) as bigint) as visits,
        cast(count(*) filter (where visits > 0) as bigint) as visitors,
        cast(sum(first_touch_conversions) as bigint) as first_touch_conversions,
        cast(sum(last_touch_conversions) as bigint) as last_touch_conversions,
        cast(sum(assisted_conversions) as bigint) as assisted_conversions,
        cast(coalesce(sum(last_touch_revenue), 0) as numeric) as last_touch_revenue
    from per_customer
    group by
        report_month,
        traffic_source,
        traffic_medium,
        referrer_domain

)

select * from final
