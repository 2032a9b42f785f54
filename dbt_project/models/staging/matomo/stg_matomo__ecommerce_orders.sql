{{ incremental_by_record('order_id', unique=true, stamped=true) }}
{#- Matomo ecommerce orders: the `ecommerceOrder` actions of the visits. Revenue is in the site's currency. -#}
-- depends_on: {{ ref('stg_matomo__visits') }}
with

visits as (

    -- An order and the visit it was placed in are written together (int_matomo__touchpoints joins them).
    {{ matomo_visits_staged_since_last_run() }}

),

orders as (

    select
        cast(action ->> 'orderId' as text) as order_id,
        cast(visits.natural_key as text) as visit_id,
        nullif(visits.payload ->> 'visitorId', '') as visitor_id,
        nullif(visits.payload ->> 'userId', '') as user_id,
        to_timestamp(cast(action ->> 'timestamp' as bigint)) as ordered_at,
        cast(action ->> 'revenue' as numeric) as revenue,
        cast(action ->> 'revenueSubTotal' as numeric) as revenue_subtotal,
        cast(action ->> 'revenueTax' as numeric) as revenue_tax,
        cast(action ->> 'revenueShipping' as numeric) as revenue_shipping,
        cast(action ->> 'revenueDiscount' as numeric) as revenue_discount,
        cast(action ->> 'items' as integer) as items,
        coalesce(nullif(visits.payload ->> 'siteCurrency', ''), 'USD') as currency,
        cast(visits.extracted_at as timestamptz) as extracted_at,
        {{ run_stamp() }} as written_at
    from visits
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof(visits.payload -> 'actionDetails') = 'array'
            then visits.payload -> 'actionDetails' else '[]'::jsonb end
    ) as actions (action)
    where action ->> 'type' = 'ecommerceOrder' and coalesce(action ->> 'orderId', '') <> ''

),

final as (

    -- An order id is unique per site; keep its newest copy should two visits ever carry it.
    select distinct on (order_id) *
    from orders
    order by order_id, extracted_at desc, visit_id

)

select * from final
