-- Last non-direct touch: the last touch not on the direct channel gets the whole conversion.
-- Every journey's credits by the rule of macro last_non_direct_credits (macros/attribution_rules.sql).
{{ last_non_direct_credits(ref('int_conversion_touches')) }}
