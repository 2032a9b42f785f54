{#-
    Campaigns across both ad platforms and email, one row each, keyed like fct_ad_spend_daily (md5 of platform,
    account and campaign id). A campaign that has spend but is missing from the platform's campaign list still
    gets a row, named as the spend report names it, so every spend row finds its campaign.
-#}
with

campaigns as (

    select * from {{ ref('int_campaigns_unioned') }}

),

ad_spend as (

    select * from {{ ref('fct_ad_spend_daily') }}

),

spend_by_campaign as (

    select
        campaign_key,
        platform,
        account_id,
        campaign_id,
        max(campaign_name) as campaign_name,
        max(spend_currency) as currency,
        min(spend_date) as first_spend_date,
        max(spend_date) as last_spend_date,
        sum(spend) as total_spend
    from ad_spend
    group by
        campaign_key,
        platform,
        account_id,
        campaign_id

),

listed as (

    select distinct on (platform, account_id, campaign_id)
        md5(concat_ws('|', platform, account_id, campaign_id)) as campaign_key,
        *
    from campaigns
    order by platform, account_id, campaign_id, started_at desc nulls last

),

final as (

    select
        cast(coalesce(listed.campaign_key, spend_by_campaign.campaign_key) as text) as campaign_key,
        cast(coalesce(listed.platform, spend_by_campaign.platform) as text) as platform,
        cast(coalesce(listed.account_id, spend_by_campaign.account_id) as text) as account_id,
        cast(coalesce(listed.campaign_id, spend_by_campaign.campaign_id) as text) as campaign_id,
        cast(coalesce(listed.campaign_name, spend_by_campaign.campaign_name) as text) as campaign_name,
        cast(listed.channel as text) as channel,
        cast(listed.status as text) as status,
        cast(upper(coalesce(listed.currency, spend_by_campaign.currency)) as text) as currency,
        cast(listed.started_at as timestamptz) as started_at,
        cast(spend_by_campaign.first_spend_date as date) as first_spend_date,
        cast(spend_by_campaign.last_spend_date as date) as last_spend_date,
        cast(coalesce(spend_by_campaign.total_spend, 0) as numeric) as total_spend
    from listed
    full outer join spend_by_campaign
        on spend_by_campaign.campaign_key = listed.campaign_key

)

select * from final
