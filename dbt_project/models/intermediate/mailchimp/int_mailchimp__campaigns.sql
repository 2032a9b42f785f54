{#-
    Mailchimp's campaigns in the shape every source gives the core (docs/architecture.md, Seam 2b). The account is
    the audience the campaign went to; email costs no media spend, so there is no currency.
-#}
with

campaigns as (

    select * from {{ ref('stg_mailchimp__campaigns') }}

),

final as (

    select
        cast('mailchimp' as text) as platform,
        cast(list_id as text) as account_id,
        cast(campaign_id as text) as campaign_id,
        cast(campaign_name as text) as campaign_name,
        cast('email' as text) as channel,
        cast(status as text) as status,
        cast(null as text) as currency,
        cast(sent_at as timestamptz) as started_at
    from campaigns

)

select * from final
