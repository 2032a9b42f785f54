with

source as (

    select * from {{ source('google_ads', 'google_ads__customers') }}

),

renamed as (

    select
        cast(payload -> 'customer' ->> 'id' as text) as customer_id,
        cast(payload -> 'customer' ->> 'descriptiveName' as text) as customer_name,
        upper(payload -> 'customer' ->> 'currencyCode') as currency,
        cast(payload -> 'customer' ->> 'timeZone' as text) as time_zone,
        cast(extracted_at as timestamptz) as extracted_at
    from source

),

final as (

    select distinct on (customer_id) *
    from renamed
    where customer_id is not null
    order by customer_id, extracted_at desc

)

select * from final
