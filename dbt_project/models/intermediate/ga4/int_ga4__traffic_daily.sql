{#-
    GA4's traffic per day, tidy for the marts (sessions per channel): one row per report date (the property's
    time zone) × source × medium × campaign × landing page. Not a contract shape: GA4 reports aggregates, not
    people, so it adds no touchpoints; its sessions are compared with the touches the warehouse sees.
-#}
with

traffic as (

    select * from {{ ref('stg_ga4__traffic_daily') }}

),

final as (

    select
        report_date,
        session_source as traffic_source,
        session_medium as traffic_medium,
        nullif(session_campaign_name, '(not set)') as campaign,
        landing_page,
        sessions,
        engaged_sessions,
        engagement_seconds,
        key_events as conversions,
        total_revenue as revenue,
        currency as revenue_currency,
        extracted_at
    from traffic

)

select * from final
