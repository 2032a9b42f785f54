{#-
    Do buyers come back? Customers grouped by the month of their first purchase (the cohort, report time zone);
    for each month since then (0 = the first purchase's month) up to the latest month with any purchase: how many
    of the cohort bought again that month, the share of the cohort that is (repeat_purchase_rate), the share that
    has bought again at least once by then (cumulative_repeat_rate), and the revenue. Every cohort has a row for
    every month since, zeros included, so the triangle has no holes.
-#}
with

conversions as (

    select * from {{ ref('fct_conversions') }}

),

purchases as (

    select
        customer_key,
        purchase_seq,
        revenue,
        cast(date_trunc('month', conversion_date) as date) as purchase_month
    from conversions

),

cohorts as (

    select
        customer_key,
        purchase_month as cohort_month
    from purchases
    where purchase_seq = 1

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as cohort_customers
    from cohorts
    group by cohort_month

),

cohort_months as (

    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_customers,
        cast(calendar.month_start as date) as activity_month
    from cohort_sizes
    cross join lateral generate_series(
        cohort_sizes.cohort_month,
        (select max(purchase_month) from purchases),
        interval '1 month'
    ) as calendar (month_start)

),

cohort_purchases as (

    select
        cohorts.cohort_month,
        purchases.purchase_month as activity_month,
        purchases.customer_key,
        purchases.purchase_seq,
        purchases.revenue
    from purchases
    inner join cohorts
        on cohorts.customer_key = purchases.customer_key

),

monthly as (

    select
        cohort_month,
        activity_month,
        count(distinct customer_key) filter (where purchase_seq > 1) as repeat_customers,
        count(*) filter (where purchase_seq > 1) as repeat_purchases,
        coalesce(sum(revenue), 0) as revenue,
        coalesce(sum(revenue) filter (where purchase_seq > 1), 0) as repeat_revenue
    from cohort_purchases
    group by
        cohort_month,
        activity_month

),

first_repeats as (

    select
        cohort_month,
        customer_key,
        min(activity_month) as first_repeat_month
    from cohort_purchases
    where purchase_seq > 1
    group by
        cohort_month,
        customer_key

),

final as (

    select
        cast(cohort_months.cohort_month as date) as cohort_month,
        cast(
            (extract(year from cohort_months.activity_month) - extract(year from cohort_months.cohort_month)) * 12
            + extract(month from cohort_months.activity_month) - extract(month from cohort_months.cohort_month)
            as integer
        ) as months_since_first_purchase,
        cast(cohort_months.activity_month as date) as activity_month,
        cast(cohort_months.cohort_customers as bigint) as cohort_customers,
        cast(coalesce(monthly.repeat_customers, 0) as bigint) as repeat_customers,
        cast(coalesce(monthly.repeat_purchases, 0) as bigint) as repeat_purchases,
        cast(coalesce(monthly.repeat_customers, 0) / cast(cohort_months.cohort_customers as numeric) as double precision)
            as repeat_purchase_rate,
        cast(
            (
                select count(*)
                from first_repeats
                where first_repeats.cohort_month = cohort_months.cohort_month
                    and first_repeats.first_repeat_month <= cohort_months.activity_month
            ) / cast(cohort_months.cohort_customers as numeric) as double precision
        ) as cumulative_repeat_rate,
        cast(coalesce(monthly.revenue, 0) as numeric) as revenue,
        cast(coalesce(monthly.repeat_revenue, 0) as numeric) as repeat_revenue
    from cohort_months
    left join monthly
        on monthly.cohort_month = cohort_months.cohort_month
        and monthly.activity_month = cohort_months.activity_month

)

select * from final
