{#-
    GA4's daily traffic report, typed and renamed: one row per property-local day × session source × medium ×
    campaign × landing page. A row's values are positional, so they are named here through the headers stored
    beside them (robust to the connector asking for its dimensions in another order).
-#}
with

source as (

    select * from {{ source('ga4', 'ga4__traffic_daily') }}

),

named as (

    select
        source.natural_key,
        source.extracted_at,
        (
            select jsonb_object_agg(header ->> 'name', cell ->> 'value')
            from jsonb_array_elements(source.payload -> 'dimensionHeaders') with ordinality as h (header, position)
            inner join jsonb_array_elements(source.payload -> 'dimensionValues') with ordinality as v (cell, position)
                using (position)
        ) as dimensions,
        (
            select jsonb_object_agg(header ->> 'name', cell ->> 'value')
            from jsonb_array_elements(source.payload -> 'metricHeaders') with ordinality as h (header, position)
            inner join jsonb_array_elements(source.payload -> 'metricValues') with ordinality as v (cell, position)
                using (position)
        ) as metrics
    from source

),

renamed as (

    select
        cast(natural_key as text) as report_row_id,
        to_date(dimensions ->> 'date', 'YYYYMMDD') as report_date,
        dimensions ->> 'sessionSource' as session_source,
        dimensions ->> 'sessionMedium' as session_medium,
        dimensions ->> 'sessionCampaignName' as session_campaign_name,
        dimensions ->> 'landingPage' as landing_page,
        cast(metrics ->> 'sessions' as integer) as sessions,
        cast(metrics ->> 'engagedSessions' as integer) as engaged_sessions,
        cast(cast(metrics ->> 'userEngagementDuration' as numeric) as integer) as engagement_seconds,
        cast(coalesce(metrics ->> 'keyEvents', metrics ->> 'conversions') as numeric) as key_events,
        cast(metrics ->> 'totalRevenue' as numeric) as total_revenue,
        cast('{{ var("ga4_property_currency", "USD") }}' as text) as currency,
        cast(extracted_at as timestamptz) as extracted_at
    from named

),

final as (

    select * from renamed

)

select * from final
