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

{#- One pass over the customers: each cohort's counts and medians for every stage at once, then a row per stage.
    (Crossing every customer with the five stages first made PostgreSQL sort five rows per customer.) -#}
{%- set stages = [
    ('awareness', none),
    ('consideration', 'awareness'),
    ('purchase', 'consideration'),
    ('retention', 'purchase'),
    ('advocacy', 'retention'),
] %}

cohorts as (

    select
        cast(date_trunc('month', {{ local_date('awareness_at', var('report_timezone')) }}) as date)
            as first_touch_month,
        coalesce(first_touch_channel, 'other') as first_touch_channel,
        count(*) as people_in_cohort
        {%- for stage, previous in stages %},
        count({{ stage }}_at) as {{ stage }}_reached
        {%- if previous %},
        count({{ previous }}_at) as {{ stage }}_previous_reached,
        -- reached from the previous stage: both reached, this one not before it
        count(*) filter (where {{ stage }}_at >= {{ previous }}_at) as {{ stage }}_from_previous,
        percentile_cont(0.5) within group (
            order by extract(epoch from {{ stage }}_at - {{ previous }}_at) / 86400.0
        ) filter (where {{ stage }}_at >= {{ previous }}_at) as {{ stage }}_median_days
        {%- endif %}
        {%- endfor %}
    from stages_reached
    group by 1, 2

),

cohort_stages as (

    select
        cohorts.first_touch_month,
        cohorts.first_touch_channel,
        stages.stage_order,
        stages.journey_stage,
        stages.people_reached,
        stages.people_at_previous_stage,
        stages.people_from_previous_stage,
        stages.median_days_from_previous_stage,
        cohorts.people_in_cohort
    from cohorts
    cross join lateral (
        values
        {%- for stage, previous in stages %}
            (
                {{ loop.index }},
                '{{ stage }}',
                {{ stage }}_reached,
                {{ stage ~ '_previous_reached' if previous else 'cast(null as bigint)' }},
                {{ stage ~ '_from_previous' if previous else 'cast(null as bigint)' }},
                {{ stage ~ '_median_days' if previous else 'cast(null as double precision)' }}
            ){{ ',' if not loop.last }}
        {%- endfor %}
    ) as stages (
        stage_order,
        journey_stage,
        people_reached,
        people_at_previous_stage,
        people_from_previous_stage,
        median_days_from_previous_stage
    )

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
