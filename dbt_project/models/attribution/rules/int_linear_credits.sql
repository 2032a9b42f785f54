-- Linear: every touch of the journey gets an equal share.
-- Every journey's credits by the rule of macro linear_credits (macros/attribution_rules.sql).
{{ linear_credits(ref('int_conversion_touches')) }}
