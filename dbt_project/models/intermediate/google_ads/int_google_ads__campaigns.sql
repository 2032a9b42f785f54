{#- Google Ads campaigns in the campaign contract (docs/architecture.md, Seam 2b): the channel follows the
    campaign's advertising channel type (SEARCH -> paid_search, DISPLAY -> display; others -> null, for the rules). -#}
with

campaigns as (

    select * from {{ ref('stg_google_ads__campaigns') }}

),

customers as (

    select * from {{ ref('stg_google_ads__customers') }}

),

final as (

    select
        cast('google_ads' as text) as platform,
        campaigns.customer_id as account_id,
        campaigns.campaign_id,
        campaigns.campaign_name,
        cast(
            case campaigns.advertising_channel_type
                when 'SEARCH' then 'paid_search'
                when 'DISPLAY' then 'display'
            end as text
        ) as channel,
        lower(campaigns.status) as status,
        coalesce(campaigns.currency, customers.currency) as currency,
        -- the start date is account-local: its midnight in the account's time zone
        cast(campaigns.start_date as timestamp) at time zone coalesce(customers.time_zone, 'UTC') as started_at
    from campaigns
    left join customers on customers.customer_id = campaigns.customer_id

)

select * from final
