-- Nothing lost, nothing doubled: under every rule-based model, the conversions and revenue mart_attribution
-- credits on a day add up to the conversions of that day in fct_conversions (days with spend only: 0).
with

mart as (

    select * from {{ ref('mart_attribution') }}

),

conversions as (

    select * from {{ ref('fct_conversions') }}

),

credited as (

    select
        report_date,
        attribution_model,
        sum(conversions) as conversions,
        sum(revenue) as revenue
    from mart
    where attribution_model in (
        'first_touch', 'last_touch', 'last_non_direct', 'first_paid', 'last_paid', 'linear', 'time_decay',
        'position_based'
    )
    group by
        report_date,
        attribution_model

),

observed as (

    select
        conversion_date as report_date,
        count(*) as conversions,
        coalesce(sum(revenue), 0) as revenue
    from conversions
    group by conversion_date

),

failures as (

    select
        coalesce(credited.report_date, observed.report_date) as report_date,
        credited.attribution_model,
        credited.conversions as credited_conversions,
        observed.conversions as observed_conversions,
        credited.revenue as credited_revenue,
        observed.revenue as observed_revenue
    from credited
    full outer join observed
        on observed.report_date = credited.report_date
    where
        credited.report_date is null
        or abs(credited.conversions - coalesce(observed.conversions, 0)) > 1e-6
        or abs(credited.revenue - coalesce(observed.revenue, 0)) > 1e-6

)

select * from failures
