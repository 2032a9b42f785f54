{{
    config(
        materialized='incremental',
        unique_key='touch_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['touch_id'], 'unique': true},
            {'columns': ['extracted_at']},
            {'columns': ['customer_key', 'occurred_at']},
            {'columns': ['touch_date']},
        ],
    )
}}
{#-
    Incremental: a run re-builds only the touches whose source records were extracted within
    incremental_lookback_days of the newest extract already in the table, and replaces them by touch_id, so
    re-runs and overlapping loads never duplicate a touch. After changing columns, rebuild it with --full-refresh.
-#}
with

hubspot_touchpoints as (

    select * from {{ ref('int_hubspot_touchpoints_derived') }}

),

-- Each source contributes its touches in this layout; later sources are unioned here.
touchpoints as (

    select
        touch_id,
        customer_key,
        occurred_at,
        touch_date,
        source_system,
        touch_type,
        channel,
        journey_stage,
        revenue,
        revenue_currency,
        source_record_id,
        extracted_at
    from hubspot_touchpoints

),

final as (

    select
        cast(touch_id as text) as touch_id,
        cast(customer_key as text) as customer_key,
        cast(occurred_at as timestamptz) as occurred_at,
        cast(touch_date as date) as touch_date,
        cast(source_system as text) as source_system,
        cast(touch_type as text) as touch_type,
        cast(channel as text) as channel,
        cast(journey_stage as text) as journey_stage,
        cast(revenue as numeric) as revenue,
        cast(revenue_currency as text) as revenue_currency,
        cast(source_record_id as text) as source_record_id,
        cast(extracted_at as timestamptz) as extracted_at
    from touchpoints
    {% if is_incremental() %}
    where extracted_at >= coalesce(
        (
            select {{ dbt.dateadd('day', -1 * var('incremental_lookback_days'), 'max(extracted_at)') }}
            from {{ this }}
        ),
        cast('1900-01-01' as timestamptz)
    )
    {% endif %}

)

select * from final
