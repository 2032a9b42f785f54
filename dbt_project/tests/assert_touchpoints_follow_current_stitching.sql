{#-
    Retroactive stitching: every touch carries its identifier's current customer_key, also after incremental
    runs in which new links merged customers (fct_touchpoints' post-hook moves the earlier touches).

    A daily run checks the touches it wrote or moved and the touches of the identifiers it relabelled (test_scope.sql,
    recent rows): any other touch and its identifier were both left alone, and agreed when last written. The full
    build checks every touch.
-#}
{%- set touchpoints = ref('fct_touchpoints') %}
{%- set identities = ref('int_identities_stitched') %}
{%- set scoped = recent_rows_column(identities) is not none %}
with

{%- if scoped %}

relabelled as (

    select identifier_type, identifier_value from {{ recent_rows(identities) }}

),

checked_touches as (

    select touch_id, customer_key, identifier_type, identifier_value from {{ recent_rows(touchpoints) }}
    union
    select touchpoints.touch_id, touchpoints.customer_key, touchpoints.identifier_type, touchpoints.identifier_value
    from {{ touchpoints }} as touchpoints
    inner join relabelled
        on relabelled.identifier_type = touchpoints.identifier_type
        and relabelled.identifier_value = touchpoints.identifier_value

),
{%- else %}

checked_touches as (

    select touch_id, customer_key, identifier_type, identifier_value from {{ touchpoints }}

),
{%- endif %}

final as (

    select
        checked_touches.touch_id,
        checked_touches.customer_key,
        identities.customer_key as current_customer_key
    from checked_touches
    inner join {{ identities }} as identities
        on identities.identifier_type = checked_touches.identifier_type
        and identities.identifier_value = checked_touches.identifier_value
    where identities.customer_key <> checked_touches.customer_key

)

select * from final
