{#- Meta's daily campaign performance in the ad-performance contract (docs/architecture.md, Seam 2b). -#}
with

insights as (

    select * from {{ ref('stg_meta_ads__insights_daily') }}

),

accounts as (

    select * from {{ ref('stg_meta_ads__ad_accounts') }}

),

final as (

    select
        cast('meta_ads' as text) as platform,
        insights.account_id,
        accounts.timezone_name as account_timezone,
        coalesce(insights.account_currency, accounts.currency) as account_currency,
        insights.campaign_id,
        insights.campaign_name,
        insights.spend_date,
        insights.impressions,
        insights.clicks,
        insights.spend,
        insights.purchases as platform_conversions,
        insights.purchase_value as platform_conversion_value,
        insights.extracted_at
    from insights
    left join accounts on accounts.account_id = insights.account_id

)

select * from final
