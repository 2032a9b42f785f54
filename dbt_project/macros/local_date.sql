{#- The calendar date of a timestamptz in an IANA time zone (e.g. the report time zone). -#}
{% macro local_date(timestamp_tz, time_zone) -%}
    cast(({{ timestamp_tz }} at time zone '{{ time_zone }}') as date)
{%- endmacro %}
