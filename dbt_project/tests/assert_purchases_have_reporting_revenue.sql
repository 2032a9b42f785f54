{#-
    A purchase with an amount but no revenue in the reporting currency has no FX rate on or before its date in the
    seed fx_rates (or its currency is missing there): it is left out of revenue totals. Warn, naming each one, so
    that the gap is never silent; the fix is a rate in fx_rates.
-#}
{{ config(severity='warn') }}

select
    touch_id,
    touch_date,
    revenue_amount,
    revenue_currency
from {{ recent_rows(ref('fct_touchpoints')) }}  {#- a daily run checks the touches it wrote #}
where is_conversion
    and revenue_amount is not null
    and revenue is null
