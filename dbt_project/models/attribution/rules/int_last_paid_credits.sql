-- Last paid touch: the last touch on a paid channel gets the whole conversion.
-- Every journey's credits by the rule of macro last_paid_credits (macros/attribution_rules.sql).
{{ last_paid_credits(ref('int_conversion_touches')) }}
