{#- Google Ads daily campaign performance in the ad-performance contract (docs/architecture.md, Seam 2b). -#}
with

metrics as (

    select * from {{ ref('stg_google_ads__campaign_metrics_daily') }}

),

customers as (

    select * from {{ ref('stg_google_ads__customers') }}

),

final as (

    select
        cast('google_ads' as text) as platform,
        metrics.customer_id as account_id,
        customers.time_zone as account_timezone,
        coalesce(metrics.currency, customers.currency) as account_currency,
        metrics.campaign_id,
        metrics.campaign_name,
        metrics.metric_date as spend_date,
        metrics.impressions,
        metrics.clicks,
        metrics.cost as spend,
        metrics.platform_conversions,
        metrics.platform_conversion_value,
        metrics.extracted_at
    from metrics
    left join customers on customers.customer_id = metrics.customer_id

)

select * from final
