{#- Revenue belongs to purchases only, and an amount always comes with its currency. -#}
select
    touch_id,
    is_conversion,
    revenue,
    revenue_amount,
    revenue_currency
from {{ recent_rows(ref('fct_touchpoints')) }}  {#- a daily run checks the touches it wrote #}
where ((revenue is not null or revenue_amount is not null) and not is_conversion)
    or ((revenue_amount is null) <> (revenue_currency is null))
