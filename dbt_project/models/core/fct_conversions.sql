{{ incremental_per_customer(['conversion_id'], reads='journey_touches') }}
{#-
    The purchases (B2C web-shop orders and B2B won deals), each with its place in the customer's sequence of
    purchases, so that every conversion cycle has its own journey: the cycle of purchase n is the customer's
    counts_in_path touches after purchase n-1 (cycle_started_after) and at or before purchase n, within
    conversion_lookback_days (the attribution models read it so).

    Incremental per customer (macro customers_with_changed_touches): a run renumbers all purchases of the customers
    whose touches changed since its last run, since a merge of customers interleaves their purchases; the rows of a
    customer merged away are deleted by the pre-hook.
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
        revenue_currency,
        stitched_at
    from touchpoints
    where is_conversion
        and {{ customers_with_changed_touches() }}

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
        cast(previous_purchase_at as timestamptz) as cycle_started_after,
        cast(max(stitched_at) over (partition by customer_key) as timestamptz) as touches_stitched_at
    from sequenced

)

select * from final
