with

source as (

    select * from {{ source('meta_ads', 'meta_ads__ad_accounts') }}

),

renamed as (

    select
        cast(source.natural_key as text) as account_id,
        source.payload ->> 'name' as account_name,
        upper(source.payload ->> 'currency') as currency,
        source.payload ->> 'timezone_name' as timezone_name,
        cast(source.payload ->> 'account_status' as integer) as account_status,
        cast(source.extracted_at as timestamptz) as extracted_at
    from source

),

-- raw is merged on natural_key, so each account is there once; keep the newest extract should that ever change.
deduplicated as (

    select distinct on (account_id) *
    from renamed
    order by account_id, extracted_at desc

)

select * from deduplicated
