{#-
    The rows of an attribution credits table (int_rule_based_credits, fct_attribution_credits): each credit of
    `credits` (conversion_id, touch_position, attribution_model, credit, customer_key) with the credited touch's
    columns from int_conversion_touches (`touches`, a relation or CTE name).
-#}
{% macro credited_touches(credits, touches='conversion_touches') -%}
    select
        cast({{ credits }}.conversion_id as text) as conversion_id,
        cast({{ credits }}.touch_position as integer) as touch_position,
        cast({{ credits }}.attribution_model as text) as attribution_model,
        cast({{ touches }}.touch_id as text) as touch_id,
        cast({{ touches }}.is_stand_in as boolean) as is_stand_in,
        cast({{ touches }}.occurred_at as timestamptz) as occurred_at,
        cast({{ touches }}.channel as text) as channel,
        cast({{ touches }}.campaign as text) as campaign,
        cast({{ touches }}.customer_key as text) as customer_key,
        cast({{ touches }}.converted_at as timestamptz) as converted_at,
        cast({{ touches }}.conversion_date as date) as conversion_date,
        cast({{ credits }}.credit as double precision) as credit,
        cast({{ credits }}.credit * {{ touches }}.revenue as numeric) as credited_revenue,
        cast({{ touches }}.touches_stitched_at as timestamptz) as touches_stitched_at
    from {{ credits }}
    inner join {{ touches }}
        on {{ touches }}.customer_key = {{ credits }}.customer_key
        and {{ touches }}.conversion_id = {{ credits }}.conversion_id
        and {{ touches }}.touch_position = {{ credits }}.touch_position
{%- endmacro %}
