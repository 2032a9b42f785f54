-- First touch: the journey's first touch gets the whole conversion.
-- Every journey's credits by the rule of macro first_touch_credits (macros/attribution_rules.sql).
{{ first_touch_credits(ref('int_conversion_touches')) }}
