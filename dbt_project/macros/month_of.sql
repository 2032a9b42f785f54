{#-
    The first day of the month of a date, as a date. Immutable (the date is cast to a timestamp without time zone
    before truncating), so that an index can be built on it: `date_trunc('month', <date>)` would pick the
    timestamptz variant, which depends on the session's time zone.
-#}
{% macro month_of(date_column) -%}
    cast(date_trunc('month', cast({{ date_column }} as timestamp)) as date)
{%- endmacro %}
