{#- Meta's campaigns in the campaign contract (docs/architecture.md, Seam 2b): every Meta campaign is paid social. -#}
with

campaigns as (

    select * from {{ ref('stg_meta_ads__campaigns') }}

),

accounts as (

    select * from {{ ref('stg_meta_ads__ad_accounts') }}

),

final as (

    select
        cast('meta_ads' as text) as platform,
        campaigns.account_id,
        campaigns.campaign_id,
        campaigns.campaign_name,
        cast('paid_social' as text) as channel,
        lower(campaigns.effective_status) as status,
        accounts.currency,
        campaigns.started_at
    from campaigns
    left join accounts on accounts.account_id = campaigns.account_id

)

select * from final
