{#-
    The purchases (B2C web-shop orders and B2B won deals), each with its place in the customer's sequence of
    purchases, so that every conversion cycle has its own journey: the cycle of purchase n is the customer's
    counts_in_path touches after purchase n-1 (cycle_started_after) and at or before purchase n, within
    conversion_lookback_days (the attribution models read it so). Re-built in full each run: stitching can merge
    customers and so renumber their purchases.
-#}
with

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

purchases as (

    select
        touch_id,
        customer_key,
        occurred_at,
        touch_date,
        touch_type,
        revenue,
        revenue_amount,
        revenue_currency
    from touchpoints
    where is_conversion

),

sequenced as (

    select
        *,
        row_number() over (partition by customer_key order by occurred_at, touch_id) as purchase_seq,
        lag(occurred_at) over (partition by customer_key order by occurred_at, touch_id) as previous_purchase_at
    from purchases

),

final as (

    select
        cast(touch_id as text) as conversion_id,
        cast(customer_key as text) as customer_key,
        cast(occurred_at as timestamptz) as converted_at,
        cast(touch_date as date) as conversion_date,
        cast(touch_type as text) as conversion_type,
        cast(revenue as numeric) as revenue,
        cast(revenue_amount as numeric) as revenue_amount,
        cast(revenue_currency as text) as revenue_currency,
        cast(purchase_seq as integer) as purchase_seq,
        cast(purchase_seq = 1 as boolean) as is_first_purchase,
        cast(previous_purchase_at as timestamptz) as cycle_started_after
    from sequenced

)

select * from final
