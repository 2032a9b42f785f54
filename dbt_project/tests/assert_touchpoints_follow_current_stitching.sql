{#-
    Retroactive stitching: every touch carries its identifier's current customer_key, also after incremental
    runs in which new links merged customers (fct_touchpoints' post-hook moves the earlier touches).
-#}
select
    touchpoints.touch_id,
    touchpoints.customer_key,
    identities.customer_key as current_customer_key
from {{ ref('fct_touchpoints') }} as touchpoints
inner join {{ ref('int_identities_stitched') }} as identities
    on identities.identifier_type = touchpoints.identifier_type
    and identities.identifier_value = touchpoints.identifier_value
where identities.customer_key <> touchpoints.customer_key
