with

source as (

    select * from {{ source('google_ads', 'google_ads__campaign_metrics_daily') }}

),

renamed as (

    select
        cast(natural_key as text) as campaign_day_key,
        cast(payload -> 'customer' ->> 'id' as text) as customer_id,
        cast(payload -> 'campaign' ->> 'id' as text) as campaign_id,
        cast(payload -> 'campaign' ->> 'name' as text) as campaign_name,
        cast(payload -> 'segments' ->> 'date' as date) as metric_date,
        coalesce(cast(payload -> 'metrics' ->> 'impressions' as bigint), 0) as impressions,
        coalesce(cast(payload -> 'metrics' ->> 'clicks' as bigint), 0) as clicks,
        coalesce(cast(payload -> 'metrics' ->> 'costMicros' as bigint), 0) as cost_micros,
        -- Google Ads money is in micros of the account currency: 1,000,000 micros = one unit.
        coalesce(cast(payload -> 'metrics' ->> 'costMicros' as numeric), 0) / 1000000 as cost,
        upper(payload -> 'customer' ->> 'currencyCode') as currency,
        coalesce(cast(payload -> 'metrics' ->> 'conversions' as numeric), 0) as platform_conversions,
        coalesce(cast(payload -> 'metrics' ->> 'conversionsValue' as numeric), 0) as platform_conversion_value,
        cast(extracted_at as timestamptz) as extracted_at
    from source

),

final as (

    select distinct on (campaign_day_key) *
    from renamed
    where campaign_id is not null and metric_date is not null
    order by campaign_day_key, extracted_at desc

)

select * from final
