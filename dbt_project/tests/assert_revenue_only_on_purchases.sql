{#- Revenue belongs to purchase touches only, and revenue always comes with its currency. -#}
select
    touch_id,
    journey_stage,
    revenue,
    revenue_currency
from {{ ref('fct_touchpoints') }}
where (revenue is not null and journey_stage <> 'purchase')
    or ((revenue is null) <> (revenue_currency is null))
