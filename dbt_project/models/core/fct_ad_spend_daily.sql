{#-
    Ad spend and delivery of both ad platforms in one table, in the reporting currency and time zone, with the
    original money kept. An ad platform reports whole days in the account's own time zone; such a day is given the
    report date on which its midpoint (local noon) falls, so that a day is never split or counted twice.
    Platform-claimed conversions stay in their own columns: the platforms double-count, so they are never summed
    across platforms (mart_platform_vs_observed sets them against fct_conversions).
-#}
with

ad_performance as (

    select * from {{ ref('int_ad_performance_unioned') }}

),

dated as (

    select
        *,
        cast(
            (
                (cast(spend_date as timestamp) + interval '12 hours') at time zone coalesce(account_timezone, 'UTC')
            ) at time zone '{{ var("report_timezone") }}' as date
        ) as report_date
    from ad_performance

),

final as (

    select
        cast(md5(concat_ws('|', platform, account_id, campaign_id, spend_date)) as text) as ad_spend_id,
        cast(platform as text) as platform,
        cast(account_id as text) as account_id,
        cast(md5(concat_ws('|', platform, account_id, campaign_id)) as text) as campaign_key,
        cast(campaign_id as text) as campaign_id,
        cast(campaign_name as text) as campaign_name,
        cast(account_timezone as text) as account_timezone,
        cast(spend_date as date) as spend_date,
        cast(report_date as date) as report_date,
        cast(impressions as bigint) as impressions,
        cast(clicks as bigint) as clicks,
        cast(spend as numeric) as spend_amount,
        cast(upper(account_currency) as text) as spend_currency,
        cast({{ to_reporting_currency('spend', 'account_currency', 'spend_date') }} as numeric) as spend,
        cast(platform_conversions as numeric) as platform_conversions,
        cast(platform_conversion_value as numeric) as platform_conversion_value_amount,
        cast(
            {{ to_reporting_currency('platform_conversion_value', 'account_currency', 'spend_date') }} as numeric
        ) as platform_conversion_value,
        cast(extracted_at as timestamptz) as extracted_at
    from dated

)

select * from final
