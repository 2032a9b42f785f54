{{ incremental_by_record('touch_id', unique=true, stamped=true) }}
{#-
    Every source's touches in one relation, in the contract layout of docs/architecture.md "Seam 2b" (the models
    listed by the touchpoint_models macro). A touch that names no person (no identifier) is its own customer: it
    gets the identifier `touch_id` = its touch id, so that it is counted once and never merged with anyone.

    Incremental (issue 5): a run copies the touches written since its last run by the touch models that stamp
    their rows (stamped_touchpoint_models: the big ones, indexed on written_at), and the touches extracted since
    its last run (within incremental_lookback_days) from the others, and replaces them by touch_id. Its own rows
    carry written_at, by which fct_touchpoints reads them.
-#}
{%- set new_rows = {} %}
{%- for model_name in touchpoint_models() %}
    {%- do new_rows.update({
        model_name: written_since_last_run() if model_name in stamped_touchpoint_models()
            else extracted_since_last_run('extracted_at')
    }) %}
{%- endfor %}
with

unioned as (

    {{ union_contract_models(touchpoint_models(), touchpoint_contract_columns(), where=new_rows) }}

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
        extracted_at,
        {{ run_stamp() }} as written_at
    from unioned

)

select * from final
