{#-
    An amount in its own currency, converted into the reporting currency (dbt var reporting_currency) at the
    latest FX rate on or before the given date (int_fx_rates_daily carries every day forward). Null when the
    amount is null or no rate is known for that currency on or before that date; the test
    assert_purchases_have_reporting_revenue warns about such purchases. Trailing zeros of the product are trimmed.
-#}
{% macro to_reporting_currency(amount, currency, on_date) -%}
    trim_scale(
        {{ amount }} * (
            select fx_rates_daily.rate_to_reporting
            from {{ ref('int_fx_rates_daily') }} as fx_rates_daily
            where fx_rates_daily.currency = upper({{ currency }})
                and fx_rates_daily.rate_date = {{ on_date }}
        )
    )
{%- endmacro %}
