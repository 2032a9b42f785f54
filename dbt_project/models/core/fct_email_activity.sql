{#-
    Email activity per recipient: every send, open and click, with the customer it reached. A view over
    fct_touchpoints (which is incremental), so it costs nothing to keep and always shows the current stitching.
    It shows the touch's stitched_at so that its daily data tests read the activity the run wrote (test_scope.sql).
-#}
{{ config(materialized='view') }}
with

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

final as (

    select
        touch_id as email_activity_id,
        customer_key,
        touch_type as activity_type,
        occurred_at,
        touch_date as activity_date,
        source_system,
        campaign,
        landing_page as clicked_page,
        identifier_type,
        identifier_value,
        source_record_id,
        stitched_at
    from touchpoints
    where touch_type in ('email_send', 'email_open', 'email_click')

)

select * from final
