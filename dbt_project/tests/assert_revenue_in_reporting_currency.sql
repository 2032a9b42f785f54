{#-
    Purchase revenue in a currency other than the reporting one is left out of mart revenue until FX conversion
    arrives (issue 5). Warn, naming each such touch, so that the gap is never silent.
-#}
{{ config(severity='warn') }}

select
    touch_id,
    revenue,
    revenue_currency
from {{ ref('fct_touchpoints') }}
where revenue is not null
    and revenue_currency <> '{{ var("reporting_currency") }}'
