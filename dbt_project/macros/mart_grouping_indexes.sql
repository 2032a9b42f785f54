{#-
    Indexes in a mart's grouping order, for the marts that count distinct customers over all history: the
    grouping expressions, then the customer, then every column the aggregate reads, so that PostgreSQL reads the
    index alone, in order, and counts without sorting every row on every run. The expressions come from the
    macros the mart groups by: PostgreSQL matches an index expression to a query's only when they are the same.
    The model the index is on must be vacuumed for an index-only scan (autovacuum does it after each build).
-#}

{#- fct_touchpoints, for mart_sources_referrers: visits by month, GA4-filled source and medium, referrer. -#}
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

{#- fct_web_sessions, for mart_content_engagement: sessions by month and landing page. -#}
{% macro sessions_by_landing_page_index() -%}
    {%- do return({'columns': [
        '(' ~ month_of('session_date') ~ ')',
        "(coalesce(landing_page, '(not set)'))",
        'customer_key',
        'is_bounce',
        'engagement_seconds',
        'has_order',
        'session_date',
        'landing_page',
    ]}) -%}
{%- endmacro %}
