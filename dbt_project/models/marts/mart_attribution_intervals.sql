{#-
    The data-driven models' channel totals with their bootstrap intervals, for analysts and the stakeholder
    report (the analyst role reads marts only). A copy of what the last `purchase-path attribute --warehouse`
    run wrote to core.data_driven_channel_credits (attribution/warehouse.py): the whole chain's or game's credit
    over every journey that run saw, not one period's. Before the first run it is empty.
-#}
{%- set channel_credits_source = source('attribution', 'data_driven_channel_credits') -%}
{%- set channel_credits_exist = execute and adapter.get_relation(
    database=channel_credits_source.database,
    schema=channel_credits_source.schema,
    identifier=channel_credits_source.identifier,
) is not none -%}

with

channel_credits as (

    {% if channel_credits_exist -%}
    select
        attribution_model,
        channel,
        conversions,
        conversions_low,
        conversions_high,
        conversion_value,
        conversion_value_low,
        conversion_value_high,
        removal_effect,
        confidence,
        replicates,
        run_label,
        computed_at
    from {{ channel_credits_source }}
    {%- else -%}
    -- No data-driven run yet: an empty table of the same shape.
    select
        cast(null as text) as attribution_model,
        cast(null as text) as channel,
        cast(null as double precision) as conversions,
        cast(null as double precision) as conversions_low,
        cast(null as double precision) as conversions_high,
        cast(null as double precision) as conversion_value,
        cast(null as double precision) as conversion_value_low,
        cast(null as double precision) as conversion_value_high,
        cast(null as double precision) as removal_effect,
        cast(null as double precision) as confidence,
        cast(null as integer) as replicates,
        cast(null as text) as run_label,
        cast(null as timestamptz) as computed_at
    where false
    {%- endif %}

),

final as (

    select
        cast(attribution_model as text) as attribution_model,
        cast(channel as text) as channel,
        cast(conversions as double precision) as conversions,
        cast(conversions_low as double precision) as conversions_low,
        cast(conversions_high as double precision) as conversions_high,
        cast(conversion_value as double precision) as conversion_value,
        cast(conversion_value_low as double precision) as conversion_value_low,
        cast(conversion_value_high as double precision) as conversion_value_high,
        cast(removal_effect as double precision) as removal_effect,
        cast(confidence as double precision) as confidence,
        cast(replicates as integer) as replicates,
        cast(run_label as text) as run_label,
        cast(computed_at as timestamptz) as computed_at
    from channel_credits

)

select * from final
