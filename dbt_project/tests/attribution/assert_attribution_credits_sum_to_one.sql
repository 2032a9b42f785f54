-- Every model's credits add up to 1 per conversion (within rounding), and every rule-based model credits every
-- conversion. (A data-driven model credits a conversion once the `attribute` task has seen its path.)
-- A daily run checks the journeys it rebuilt (their touches_stitched_at within the test scope's bound,
-- macros/test_scope.sql); the full build checks all.
{%- set journeys = ref('int_conversion_touches') -%}
{%- set recent -%}
    {%- if recent_rows_column(journeys) is not none %}
    where touches_stitched_at >= {{ recent_rows_bound(journeys, 'touches_stitched_at') }}
    {%- endif -%}
{%- endset %}
with

conversion_touches as (

    select * from {{ journeys }}{{ recent }}

),

credits as (

    select * from {{ ref('fct_attribution_credits') }}{{ recent }}

),

credit_sums as (

    select
        conversion_id,
        attribution_model,
        sum(credit) as total_credit
    from credits
    group by
        conversion_id,
        attribution_model

),

rule_models as (

    select attribution_model
    from (
        values
            ('first_touch'), ('last_touch'), ('last_non_direct'), ('first_paid'), ('last_paid'), ('linear'),
            ('time_decay'), ('position_based')
    ) as models (attribution_model)

),

expected as (

    select distinct
        conversion_touches.conversion_id,
        rule_models.attribution_model
    from conversion_touches
    cross join rule_models

),

failures as (

    select
        credit_sums.conversion_id,
        credit_sums.attribution_model,
        credit_sums.total_credit,
        'credits do not sum to 1' as problem
    from credit_sums
    where abs(credit_sums.total_credit - 1) > 1e-9

    union all

    select
        expected.conversion_id,
        expected.attribution_model,
        null as total_credit,
        'conversion not credited' as problem
    from expected
    left join credit_sums
        on credit_sums.conversion_id = expected.conversion_id
        and credit_sums.attribution_model = expected.attribution_model
    where credit_sums.conversion_id is null

)

select * from failures
