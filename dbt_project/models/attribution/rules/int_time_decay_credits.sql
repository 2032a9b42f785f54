-- Time decay: a touch's weight halves every attribution_half_life_days before the conversion.
-- Every journey's credits by the rule of macro time_decay_credits (macros/attribution_rules.sql).
{{ time_decay_credits(ref('int_conversion_touches')) }}
