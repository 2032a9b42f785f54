with

source as (

    select * from {{ source('meta_ads', 'meta_ads__campaigns') }}

),

renamed as (

    select
        cast(source.natural_key as text) as campaign_id,
        source.payload ->> 'account_id' as account_id,
        source.payload ->> 'name' as campaign_name,
        source.payload ->> 'objective' as objective,
        source.payload ->> 'status' as configured_status,
        source.payload ->> 'effective_status' as effective_status,
        source.payload ->> 'buying_type' as buying_type,
        -- Budgets are in the account currency's minor units (cents for USD and EUR).
        cast(source.payload ->> 'daily_budget' as bigint) as daily_budget_minor_units,
        -- Graph datetimes carry their offset (2026-06-17T10:00:00-0700): cast straight to UTC instants.
        cast(source.payload ->> 'created_time' as timestamptz) as created_at,
        cast(source.payload ->> 'start_time' as timestamptz) as started_at,
        cast(source.payload ->> 'updated_time' as timestamptz) as updated_at,
        cast(source.extracted_at as timestamptz) as extracted_at
    from source

),

deduplicated as (

    select distinct on (campaign_id) *
    from renamed
    order by campaign_id, extracted_at desc

)

select * from deduplicated
