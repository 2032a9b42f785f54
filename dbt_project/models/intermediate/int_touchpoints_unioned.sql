{{ incremental_by_record('touch_id', unique=true) }}
{#-
    Every source's touches in one relation, in the contract layout of docs/architecture.md "Seam 2b" (the models
    listed by the touchpoint_models macro). A touch that names no person (no identifier) is its own customer: it
    gets the identifier `touch_id` = its touch id, so that it is counted once and never merged with anyone.

    Incremental on extracted_at (issue 5): a run copies the touches extracted since its last run from each source's
    model (the predicate reaches every member of the union, and the big ones are indexed on extracted_at), and
    replaces them by touch_id.
-#}
with

unioned as (

    {{ union_contract_models(touchpoint_models(), touchpoint_contract_columns()) }}

),

final as (

    select
        touch_id,
        source_system,
        touch_type,
        occurred_at,
        case when identifier_value is null then 'touch_id' else identifier_type end as identifier_type,
        coalesce(identifier_value, touch_id) as identifier_value,
        channel,
        traffic_source,
        traffic_medium,
        campaign,
        referrer_domain,
        click_id_type,
        landing_page,
        engagement_seconds,
        is_bounce,
        coalesce(counts_in_path, false) as counts_in_path,
        coalesce(is_conversion, false) as is_conversion,
        revenue_amount,
        upper(revenue_currency) as revenue_currency,
        source_record_id,
        extracted_at
    from unioned
    where {{ extracted_since_last_run('extracted_at') }}

)

select * from final
