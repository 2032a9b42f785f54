-- Position-based ("U-shaped"): first and last touch get their shares, the middle splits the rest.
-- Every journey's credits by the rule of macro position_based_credits (macros/attribution_rules.sql).
{{ position_based_credits(ref('int_conversion_touches')) }}
