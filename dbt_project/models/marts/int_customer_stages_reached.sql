{{ config(schema='intermediate') }}
{{ incremental_per_customer(['customer_key']) }}
{#-
    When each customer first reached each journey stage, the funnel's stage logic in one place:

    - awareness: their first touch of any kind;
    - consideration: their first consideration-stage touch (seed journey_stage_rules), or their first purchase
      if that came first (whoever buys has considered);
    - purchase: their first purchase (fct_conversions);
    - retention: after the first purchase, their first retention-stage touch (account pages, a post-purchase
      survey, ...) or their second purchase, whichever came first;
    - advocacy: after the first purchase, their first advocacy signal (int_advocacy_signals: an NPS promoter
      answer, a referral that brought a new contact, the CRM stage evangelist).

    Retention and advocacy count only after a purchase: before it, an account page or a kind word is not loyalty.

    Incremental per customer (macro customers_with_changed_touches): a run rebuilds the customers whose touches
    (and so purchases and first touch) changed since its last run, and every customer with an advocacy signal or
    a stored advocacy stage: int_advocacy_signals is rebuilt whole and says nothing of when a signal appeared (a
    referral or a CRM stage need not come with a touch of the advocate), and advocates are few (about 4,000 of
    330,000 customers at 200,000 buyers).
-#}
with

{%- if is_incremental() %}

changed_customers as (

    select customer_key from {{ ref('dim_customers') }}
    where {{ customers_with_changed_touches() }}
    union
    select customer_key from {{ ref('int_advocacy_signals') }}
    where is_advocacy
    union
    select customer_key from {{ this }}
    where advocacy_at is not null

),
{%- endif %}

{#- The inputs, narrowed on an incremental run to the changed customers (a semi-join: an index probe each). #}
{%- set changed -%}
    {%- if is_incremental() %}
    where customer_key in (select customer_key from changed_customers)
    {%- endif %}
{%- endset %}

customers as (

    select * from {{ ref('dim_customers') }}{{ changed }}

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}{{ changed }}

),

conversions as (

    select * from {{ ref('fct_conversions') }}{{ changed }}

),

advocacy_signals as (

    select * from {{ ref('int_advocacy_signals') }}{{ changed }}

),

purchases as (

    select
        customer_key,
        min(converted_at) filter (where purchase_seq = 1) as first_purchase_at,
        min(converted_at) filter (where purchase_seq = 2) as second_purchase_at
    from conversions
    group by customer_key

),

stage_touches as (

    select
        touchpoints.customer_key,
        min(touchpoints.occurred_at) filter (
            where touchpoints.journey_stage = 'consideration'
        ) as first_consideration_touch_at,
        min(touchpoints.occurred_at) filter (
            where touchpoints.journey_stage = 'retention'
            and touchpoints.occurred_at > purchases.first_purchase_at
        ) as first_retention_touch_at
    from touchpoints
    left join purchases
        on purchases.customer_key = touchpoints.customer_key
    group by touchpoints.customer_key

),

advocacy as (

    select
        advocacy_signals.customer_key,
        min(advocacy_signals.occurred_at) as first_advocacy_at
    from advocacy_signals
    inner join purchases
        on purchases.customer_key = advocacy_signals.customer_key
    where advocacy_signals.is_advocacy
        and advocacy_signals.occurred_at >= purchases.first_purchase_at
    group by advocacy_signals.customer_key

),

final as (

    select
        cast(customers.customer_key as text) as customer_key,
        cast(customers.first_touch_channel as text) as first_touch_channel,
        cast(customers.first_touch_at as timestamptz) as awareness_at,
        -- least() skips nulls: consideration is the earlier of the two that exist.
        cast(least(stage_touches.first_consideration_touch_at, purchases.first_purchase_at) as timestamptz)
            as consideration_at,
        cast(purchases.first_purchase_at as timestamptz) as purchase_at,
        cast(least(stage_touches.first_retention_touch_at, purchases.second_purchase_at) as timestamptz)
            as retention_at,
        cast(advocacy.first_advocacy_at as timestamptz) as advocacy_at,
        cast(customers.touches_stitched_at as timestamptz) as touches_stitched_at
    from customers
    left join stage_touches
        on stage_touches.customer_key = customers.customer_key
    left join purchases
        on purchases.customer_key = customers.customer_key
    left join advocacy
        on advocacy.customer_key = customers.customer_key

)

select * from final
