{#-
    One row per customer (a component of the identity graph, or an identifier seen only on touches that has at
    least one touch): where and when their journey began, their first purchase, how many touches it took, what they
    are worth, their CRM lifecycle stage, and the furthest journey stage they have reached (current_stage).

    Incremental per customer: a run rebuilds the rows of the customers something changed for since its last run,
    each change found through the bookkeeping column that says when the model last saw it: touches inserted or
    moved by stitching (touches_stitched_at, macro customers_with_changed_touches), identifiers linked or relabelled
    (identities_labelled_at), CRM lifecycle history extracted (lifecycle_extracted_at). A customer merged away is
    deleted by the pre-hook.
-#}
{{
    config(
        materialized='incremental',
        unique_key='customer_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['customer_key'], 'unique': true}],
        pre_hook="{{ delete_customers_merged_away() }}",
    )
}}
with

{%- if is_incremental() %}

changed_customers as (

    select customer_key
    from {{ ref('fct_touchpoints') }}
    where stitched_at > {{ changed_touches_watermark() }}
    union
    select customer_key
    from {{ ref('int_identities_stitched') }}
    where labelled_at > (
        select coalesce(max(identities_labelled_at), cast('-infinity' as timestamptz)) from {{ this }}
    )
    union
    select customer_key
    from {{ ref('fct_lifecycle_stage_history') }}
    where customer_key is not null
        and extracted_at >= (
            select coalesce(
                {{ dbt.dateadd('day', -1 * var('incremental_lookback_days'), 'max(lifecycle_extracted_at)') }},
                cast('-infinity' as timestamptz)
            )
            from {{ this }}
        )

),
{%- endif %}

{#- The inputs, narrowed on an incremental run to the changed customers (a semi-join: an index probe per customer;
    not `= any(array(...))`, see macros/customers_with_changed_touches.sql). #}
{%- set changed -%}
    {%- if is_incremental() %} where customer_key in (select customer_key from changed_customers){% endif -%}
{%- endset %}

identities as (

    select * from {{ ref('int_identities_stitched') }}{{ changed }}

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}{{ changed }}

),

conversions as (

    select * from {{ ref('fct_conversions') }}{{ changed }}

),

lifecycle_history as (

    select * from {{ ref('fct_lifecycle_stage_history') }}{{ changed }}

),

stage_order as (

    select * from (
        values
            ('awareness', 1),
            ('consideration', 2),
            ('purchase', 3),
            ('retention', 4),
            ('advocacy', 5)
    ) as stages (journey_stage, stage_rank)

),

identifier_counts as (

    select
        customer_key,
        count(*) as identifiers,
        max(labelled_at) as identities_labelled_at
    from identities
    group by customer_key

),

first_touches as (

    select distinct on (customer_key)
        customer_key,
        occurred_at as first_touch_at,
        channel as first_touch_channel,
        source_system as first_touch_source_system,
        touch_type as first_touch_type,
        landing_page as first_touch_landing_page
    from touchpoints
    order by customer_key, occurred_at, touch_id

),

purchase_summary as (

    select
        customer_key,
        min(converted_at) as first_purchase_at,
        min(converted_at) filter (where purchase_seq = 2) as second_purchase_at,
        count(*) as purchases,
        sum(revenue) as lifetime_revenue
    from conversions
    group by customer_key

),

touch_summary as (

    select
        touchpoints.customer_key,
        count(*) as touches,
        count(*) filter (
            where touchpoints.counts_in_path
            and (purchase_summary.first_purchase_at is null or touchpoints.occurred_at < purchase_summary.first_purchase_at)
        ) as path_touches_before_first_purchase,
        max(stage_order.stage_rank) as furthest_stage_rank,
        max(touchpoints.occurred_at) as last_touch_at,
        max(touchpoints.stitched_at) as touches_stitched_at
    from touchpoints
    left join purchase_summary
        on purchase_summary.customer_key = touchpoints.customer_key
    left join stage_order
        on stage_order.journey_stage = touchpoints.journey_stage
    group by touchpoints.customer_key

),

current_lifecycle as (

    select distinct on (customer_key)
        customer_key,
        lifecycle_stage,
        max(extracted_at) over (partition by customer_key) as lifecycle_extracted_at
    from lifecycle_history
    where is_current and customer_key is not null
    order by customer_key, valid_from desc

),

final as (

    select
        cast(touch_summary.customer_key as text) as customer_key,
        cast(coalesce(identifier_counts.identifiers, 1) as integer) as identifiers,
        cast(first_touches.first_touch_at as timestamptz) as first_touch_at,
        cast(first_touches.first_touch_channel as text) as first_touch_channel,
        cast(first_touches.first_touch_source_system as text) as first_touch_source_system,
        cast(first_touches.first_touch_type as text) as first_touch_type,
        cast(first_touches.first_touch_landing_page as text) as first_touch_landing_page,
        cast(touch_summary.last_touch_at as timestamptz) as last_touch_at,
        cast(touch_summary.touches as integer) as touches,
        cast(purchase_summary.first_purchase_at as timestamptz) as first_purchase_at,
        cast(
            case when purchase_summary.first_purchase_at is not null then touch_summary.path_touches_before_first_purchase end
            as integer
        ) as path_touches_before_first_purchase,
        cast(
            extract(epoch from purchase_summary.first_purchase_at - first_touches.first_touch_at) / 86400.0 as numeric
        ) as days_to_first_purchase,
        cast(coalesce(purchase_summary.purchases, 0) as integer) as purchases,
        cast(coalesce(purchase_summary.lifetime_revenue, 0) as numeric) as lifetime_revenue,
        cast(current_lifecycle.lifecycle_stage as text) as lifecycle_stage,
        cast(
            case
                when touch_summary.furthest_stage_rank = 5 or current_lifecycle.lifecycle_stage = 'evangelist'
                    then 'advocacy'
                when touch_summary.furthest_stage_rank = 4 or purchase_summary.second_purchase_at is not null
                    then 'retention'
                when touch_summary.furthest_stage_rank = 3 or purchase_summary.first_purchase_at is not null
                    then 'purchase'
                when touch_summary.furthest_stage_rank = 2 then 'consideration'
                else 'awareness'
            end as text
        ) as current_stage,
        cast(touch_summary.touches_stitched_at as timestamptz) as touches_stitched_at,
        cast(identifier_counts.identities_labelled_at as timestamptz) as identities_labelled_at,
        cast(current_lifecycle.lifecycle_extracted_at as timestamptz) as lifecycle_extracted_at
    from touch_summary
    inner join first_touches
        on first_touches.customer_key = touch_summary.customer_key
    left join identifier_counts
        on identifier_counts.customer_key = touch_summary.customer_key
    left join purchase_summary
        on purchase_summary.customer_key = touch_summary.customer_key
    left join current_lifecycle
        on current_lifecycle.customer_key = touch_summary.customer_key

)

select * from final
