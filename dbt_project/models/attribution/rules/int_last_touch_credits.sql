-- Last touch: the touch closest before the conversion gets the whole conversion.
-- Every journey's credits by the rule of macro last_touch_credits (macros/attribution_rules.sql).
{{ last_touch_credits(ref('int_conversion_touches')) }}
