{#-
    An index of fct_touchpoints in mart_sources_referrers' grouping order: the visit's month, its GA4-filled source
    and medium, its referrer, then the customer, with every column those read (so PostgreSQL reads the index
    alone, in order, and counts distinct visitors without sorting every visit). The expressions come from the
    macros the mart groups by; PostgreSQL matches an index expression to a query's only when they are the same.
-#}
{% macro web_visits_by_source_index() -%}
    {%- do return({'columns': [
        'touch_type',
        '(' ~ month_of('touch_date') ~ ')',
        '(' ~ ga4_traffic_source() ~ ')',
        '(' ~ ga4_traffic_medium() ~ ')',
        "(coalesce(referrer_domain, '(none)'))",
        'customer_key',
        'channel',
        'touch_date',
        'traffic_source',
        'traffic_medium',
        'referrer_domain',
        'click_id_type',
    ]}) -%}
{%- endmacro %}
