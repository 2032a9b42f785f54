{{ config(materialized='table', indexes=[{'columns': ['currency', 'rate_date'], 'unique': true}]) }}
{#-
    One FX rate per currency and day, for converting money into the reporting currency (dbt var
    reporting_currency). The seed fx_rates gives each currency's value in the base currency (dbt var
    fx_rates_base_currency) on the days it has a rate; every day from a currency's first rate to the seed's last
    rate plus fx_rates_carry_forward_days takes the latest rate on or before it, so weekends, holidays
    and recent days the seed does not reach yet are covered (deterministically: the calendar does not depend on
    today's date). Converting through the base currency gives cross rates, so any currency in the seed can be the
    reporting currency.
-#}
with

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

calendar as (

    select
        currency_ranges.currency,
        cast(day as date) as rate_date
    from (
        select
            upper(currency) as currency,
            min(rate_date) as first_date
        from fx_rates
        group by upper(currency)
    ) as currency_ranges
    cross join (
        select max(rate_date) + {{ var('fx_rates_carry_forward_days') | int }} as last_date
        from fx_rates
    ) as seed_range
    cross join lateral generate_series(currency_ranges.first_date, seed_range.last_date, interval '1 day') as day

),

rates_in_base as (

    select
        calendar.currency,
        calendar.rate_date,
        latest_rate.rate as rate_in_base
    from calendar
    cross join lateral (
        select fx_rates.rate
        from fx_rates
        where upper(fx_rates.currency) = calendar.currency
            and fx_rates.rate_date <= calendar.rate_date
        order by fx_rates.rate_date desc
        limit 1
    ) as latest_rate

),

reporting_currency_rates as (

    select
        rate_date,
        rate_in_base as reporting_rate_in_base
    from rates_in_base
    where currency = upper('{{ var("reporting_currency") }}')

),

final as (

    select
        rates_in_base.currency,
        rates_in_base.rate_date,
        cast(rates_in_base.rate_in_base as numeric) as rate_in_base,
        -- 12 decimal places are far beyond any published rate; trim_scale drops the trailing zeros of division.
        trim_scale(round(cast(
            case
                when rates_in_base.currency = upper('{{ var("reporting_currency") }}') then 1
                when upper('{{ var("reporting_currency") }}') = upper('{{ var("fx_rates_base_currency") }}')
                    then rates_in_base.rate_in_base
                else rates_in_base.rate_in_base / reporting_currency_rates.reporting_rate_in_base
            end as numeric
        ), 12)) as rate_to_reporting
    from rates_in_base
    left join reporting_currency_rates
        on reporting_currency_rates.rate_date = rates_in_base.rate_date

)

select * from final
