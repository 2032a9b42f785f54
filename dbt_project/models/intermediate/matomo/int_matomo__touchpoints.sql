{{ incremental_by_record('touch_id', unique=true, stamped=true) }}
{#-
    Matomo's touches in the Seam 2b touchpoint shape (docs/architecture.md): every visit is a `web_visit` that
    counts in the path, named by its visitor id, with what the channel rules read (source / medium / campaign /
    referrer / click id); every ecommerce order is an `ecommerce_order` conversion with its revenue in the site's
    currency.
-#}
with

visits as (

    select * from {{ ref('stg_matomo__visits') }}
    where {{ written_since_last_run() }}

),

orders as (

    select * from {{ ref('stg_matomo__ecommerce_orders') }}
    where {{ written_since_last_run() }}

),

web_visits as (

    select
        cast('matomo:web_visit:' || visit_id as text) as touch_id,
        cast('matomo' as text) as source_system,
        cast('web_visit' as text) as touch_type,
        cast(first_action_at as timestamptz) as occurred_at,
        cast('matomo_visitor_id' as text) as identifier_type,
        cast(visitor_id as text) as identifier_value,
        cast(null as text) as channel,
        cast(case referrer_type
            when 'campaign' then lower(coalesce(campaign_source, utm_source, referrer_name))
            when 'search' then lower(referrer_name)
            when 'social' then coalesce(referrer_domain, lower(referrer_name))
            when 'website' then referrer_domain
            when 'direct' then '(direct)'
        end as text) as traffic_source,
        cast(case referrer_type
            when 'campaign' then lower(coalesce(campaign_medium, utm_medium))
            when 'search' then 'organic'
            when 'social' then 'social'
            when 'website' then 'referral'
            when 'direct' then '(none)'
        end as text) as traffic_medium,
        cast(case when referrer_type = 'campaign' then coalesce(campaign_name, lower(utm_campaign)) end as text)
            as campaign,
        cast(referrer_domain as text) as referrer_domain,
        cast(case
            when gclid is not null then 'gclid'
            when fbclid is not null then 'fbclid'
            when mc_eid is not null then 'mc_eid'
        end as text) as click_id_type,
        cast(entry_path as text) as landing_page,
        cast(visit_duration_seconds as integer) as engagement_seconds,
        cast(is_bounce as boolean) as is_bounce,
        true as counts_in_path,
        false as is_conversion,
        cast(null as numeric) as revenue_amount,
        cast(null as text) as revenue_currency,
        cast(visit_id as text) as source_record_id,
        cast(extracted_at as timestamptz) as extracted_at
    from visits

),

ecommerce_orders as (

    select
        cast('matomo:ecommerce_order:' || orders.order_id as text) as touch_id,
        cast('matomo' as text) as source_system,
        cast('ecommerce_order' as text) as touch_type,
        cast(orders.ordered_at as timestamptz) as occurred_at,
        cast('matomo_visitor_id' as text) as identifier_type,
        cast(orders.visitor_id as text) as identifier_value,
        cast(null as text) as channel,
        -- An order comes through the visit it was placed in: the visit's traffic decides the order's channel.
        placed_in.traffic_source,
        placed_in.traffic_medium,
        placed_in.campaign,
        placed_in.referrer_domain,
        placed_in.click_id_type,
        placed_in.landing_page,
        cast(null as integer) as engagement_seconds,
        cast(null as boolean) as is_bounce,
        false as counts_in_path,
        true as is_conversion,
        cast(orders.revenue as numeric) as revenue_amount,
        cast(orders.currency as text) as revenue_currency,
        cast(orders.order_id as text) as source_record_id,
        cast(orders.extracted_at as timestamptz) as extracted_at
    from orders
    left join web_visits as placed_in
        on placed_in.source_record_id = orders.visit_id

),

final as (

    select *, {{ run_stamp() }} as written_at from web_visits
    union all
    select *, {{ run_stamp() }} as written_at from ecommerce_orders

)

select * from final
