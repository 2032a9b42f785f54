{#-
    How much did the ad platforms change their numbers after we first loaded them? Platforms restate recent days
    (late conversions, invalid-click refunds); the connectors re-pull a lookback window and the snapshot
    ad_performance_snapshot keeps every version of each platform × account × campaign × account-local day. This
    mart sets the first version against the current one, in the account's own currency. A day seen once has one
    version and no change.
-#}
with

snapshot as (

    select * from {{ ref('ad_performance_snapshot') }}

),

versions as (

    select
        *,
        row_number() over (
            partition by platform, account_id, campaign_id, spend_date
            order by dbt_valid_from
        ) as version_seq,
        count(*) over (partition by platform, account_id, campaign_id, spend_date) as versions
    from snapshot

),

first_versions as (

    select * from versions where version_seq = 1

),

current_versions as (

    select * from versions where version_seq = versions

),

final as (

    select
        cast(md5(concat_ws('|', first_versions.platform, first_versions.account_id, first_versions.campaign_id,
            first_versions.spend_date)) as text) as restatement_id,
        cast(first_versions.platform as text) as platform,
        cast(first_versions.account_id as text) as account_id,
        cast(first_versions.campaign_id as text) as campaign_id,
        cast(current_versions.campaign_name as text) as campaign_name,
        cast(first_versions.spend_date as date) as spend_date,
        cast(current_versions.account_currency as text) as account_currency,
        cast(first_versions.versions as integer) as versions,
        cast(first_versions.versions > 1 as boolean) as was_restated,
        cast(first_versions.dbt_valid_from as timestamp) as first_loaded_at,
        cast(current_versions.dbt_valid_from as timestamp) as last_changed_at,
        cast(first_versions.spend as numeric) as first_spend,
        cast(current_versions.spend as numeric) as current_spend,
        cast(coalesce(current_versions.spend, 0) - coalesce(first_versions.spend, 0) as numeric) as spend_change,
        cast(first_versions.clicks as bigint) as first_clicks,
        cast(current_versions.clicks as bigint) as current_clicks,
        cast(first_versions.platform_conversions as numeric) as first_platform_conversions,
        cast(current_versions.platform_conversions as numeric) as current_platform_conversions,
        cast(
            coalesce(current_versions.platform_conversions, 0) - coalesce(first_versions.platform_conversions, 0)
            as numeric
        ) as platform_conversions_change,
        cast(
            coalesce(current_versions.platform_conversion_value, 0)
            - coalesce(first_versions.platform_conversion_value, 0) as numeric
        ) as platform_conversion_value_change
    from first_versions
    inner join current_versions
        on current_versions.platform = first_versions.platform
        and current_versions.account_id = first_versions.account_id
        and current_versions.campaign_id = first_versions.campaign_id
        and current_versions.spend_date = first_versions.spend_date

)

select * from final
