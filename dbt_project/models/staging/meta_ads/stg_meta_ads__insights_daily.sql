{#- Meta reports one purchase several times under different action types (pixel, omni, onsite); the pixel's
    offsite_conversion.fb_pixel_purchase is the web shop's purchase, so it alone is kept. -#}
{%- set purchase_action = 'offsite_conversion.fb_pixel_purchase' -%}

with

source as (

    select * from {{ source('meta_ads', 'meta_ads__insights_daily') }}

),

purchases as (

    select
        source.natural_key,
        max(cast(action ->> 'value' as numeric)) as purchases,
        max(cast(action ->> '7d_click' as numeric)) as purchases_7d_click,
        max(cast(action ->> '1d_view' as numeric)) as purchases_1d_view
    from source
    cross join lateral jsonb_array_elements(coalesce(source.payload -> 'actions', '[]'::jsonb)) as action
    where action ->> 'action_type' = '{{ purchase_action }}'
    group by source.natural_key

),

purchase_values as (

    select
        source.natural_key,
        max(cast(action_value ->> 'value' as numeric)) as purchase_value
    from source
    cross join lateral jsonb_array_elements(coalesce(source.payload -> 'action_values', '[]'::jsonb)) as action_value
    where action_value ->> 'action_type' = '{{ purchase_action }}'
    group by source.natural_key

),

renamed as (

    select
        cast(source.natural_key as text) as insight_id,
        source.payload ->> 'account_id' as account_id,
        source.payload ->> 'campaign_id' as campaign_id,
        source.payload ->> 'campaign_name' as campaign_name,
        cast(source.payload ->> 'date_start' as date) as spend_date,
        upper(source.payload ->> 'account_currency') as account_currency,
        coalesce(cast(source.payload ->> 'impressions' as bigint), 0) as impressions,
        coalesce(cast(source.payload ->> 'reach' as bigint), 0) as reach,
        coalesce(cast(source.payload ->> 'clicks' as bigint), 0) as clicks,
        coalesce(cast(source.payload ->> 'spend' as numeric), 0) as spend,
        coalesce(purchases.purchases, 0) as purchases,
        coalesce(purchase_values.purchase_value, 0) as purchase_value,
        purchases.purchases_7d_click,
        purchases.purchases_1d_view,
        cast(source.extracted_at as timestamptz) as extracted_at
    from source
    left join purchases on purchases.natural_key = source.natural_key
    left join purchase_values on purchase_values.natural_key = source.natural_key

)

-- raw holds each account × campaign × day once (merged on natural_key), so no deduplication is needed here.
select * from renamed
