with

source as (

    select * from {{ source('google_ads', 'google_ads__campaigns') }}

),

renamed as (

    select
        cast(payload -> 'customer' ->> 'id' as text) as customer_id,
        cast(payload -> 'campaign' ->> 'id' as text) as campaign_id,
        cast(payload -> 'campaign' ->> 'name' as text) as campaign_name,
        cast(payload -> 'campaign' ->> 'status' as text) as status,
        cast(payload -> 'campaign' ->> 'advertisingChannelType' as text) as advertising_channel_type,
        cast(payload -> 'campaign' ->> 'startDate' as date) as start_date,
        upper(payload -> 'customer' ->> 'currencyCode') as currency,
        cast(extracted_at as timestamptz) as extracted_at
    from source

),

final as (

    select distinct on (customer_id, campaign_id) *
    from renamed
    where campaign_id is not null
    order by customer_id, campaign_id, extracted_at desc

)

select * from final
