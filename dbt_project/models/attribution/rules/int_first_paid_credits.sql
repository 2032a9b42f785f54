-- First paid touch: the first touch on a paid channel gets the whole conversion.
-- Every journey's credits by the rule of macro first_paid_credits (macros/attribution_rules.sql).
{{ first_paid_credits(ref('int_conversion_touches')) }}
