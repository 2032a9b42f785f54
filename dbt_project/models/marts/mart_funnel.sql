{#-
    The journey-stage funnel: of the people whose journey began in a month on a channel, how many reached each
    stage, how many of those who reached the previous stage went on to this one, and how long that step took
    (median). Cohorts are fixed by the first touch, so a month's numbers only grow as its people progress. Stage
    times come from int_customer_stages_reached (the stage logic).
-#}
with

stages_reached as (

    select * from {{ ref('int_customer_stages_reached') }}

),

stage_order as (

    select * from (
        values
            (1, 'awareness'),
            (2, 'consideration'),
            (3, 'purchase'),
            (4, 'retention'),
            (5, 'advocacy')
    ) as stages (stage_order, journey_stage)

),

customer_stages as (

    select
        customer_key,
        cast(date_trunc('month', {{ local_date('awareness_at', var('report_timezone')) }}) as date)
            as first_touch_month,
        coalesce(first_touch_channel, 'other') as first_touch_channel,
        stage_order.stage_order,
        stage_order.journey_stage,
        case stage_order.journey_stage
            when 'awareness' then awareness_at
            when 'consideration' then consideration_at
            when 'purchase' then purchase_at
            when 'retention' then retention_at
            when 'advocacy' then advocacy_at
        end as reached_at,
        case stage_order.journey_stage
            when 'consideration' then awareness_at
            when 'purchase' then consideration_at
            when 'retention' then purchase_at
            when 'advocacy' then retention_at
        end as previous_reached_at
    from stages_reached
    cross join stage_order

),

steps as (

    select
        *,
        reached_at is not null
            and previous_reached_at is not null
            and reached_at >= previous_reached_at as reached_from_previous,
        extract(epoch from reached_at - previous_reached_at) / 86400.0 as days_from_previous
    from customer_stages

),

cohort_stages as (

    select
        first_touch_month,
        first_touch_channel,
        stage_order,
        journey_stage,
        count(*) filter (where reached_at is not null) as people_reached,
        count(*) filter (where previous_reached_at is not null) as people_at_previous_stage,
        count(*) filter (where reached_from_previous) as people_from_previous_stage,
        percentile_cont(0.5) within group (order by days_from_previous) filter (where reached_from_previous)
            as median_days_from_previous_stage,
        count(*) as people_in_cohort
    from steps
    group by
        first_touch_month,
        first_touch_channel,
        stage_order,
        journey_stage

),

final as (

    select
        cast(first_touch_month as date) as first_touch_month,
        cast(first_touch_channel as text) as first_touch_channel,
        cast(journey_stage as text) as journey_stage,
        cast(stage_order as integer) as stage_order,
        cast(people_reached as bigint) as people_reached,
        cast(case when stage_order > 1 then people_at_previous_stage end as bigint) as people_at_previous_stage,
        cast(case when stage_order > 1 then people_from_previous_stage end as bigint) as people_from_previous_stage,
        cast(
            case
                when stage_order > 1 and people_at_previous_stage > 0
                    then people_from_previous_stage / cast(people_at_previous_stage as numeric)
            end as double precision
        ) as conversion_from_previous_stage,
        cast(people_reached / cast(people_in_cohort as numeric) as double precision) as share_of_cohort,
        cast(median_days_from_previous_stage as double precision) as median_days_from_previous_stage
    from cohort_stages

)

select * from final
