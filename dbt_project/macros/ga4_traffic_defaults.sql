{#-
    A touch's traffic source and medium with the parts it lacks filled as GA4 fills them: no source and no referrer
    is (direct) / (none); a referrer alone is <referrer> / referral; a Google Ads click id alone (auto-tagging) is
    google / cpc; a source without a medium is (not set). Read from the touch's traffic_source,
    traffic_medium, referrer_domain and click_id_type columns. direct: the source when nothing else names one (only
    a web visit can be direct; fct_touchpoints gives other touches '' so that they match no rule).
-#}
{% macro ga4_traffic_source(direct="'(direct)'") -%}
    coalesce(
        traffic_source,
        case when click_id_type = 'gclid' then 'google' end,
        referrer_domain,
        {{ direct }}
    )
{%- endmacro %}

{% macro ga4_traffic_medium() -%}
    coalesce(
        traffic_medium,
        case
            when traffic_source is null and click_id_type = 'gclid' then 'cpc'
            when traffic_source is null and referrer_domain is not null then 'referral'
            when traffic_source is null then '(none)'
            else '(not set)'
        end
    )
{%- endmacro %}
