{#-
    One property of a HubSpot CRM v3 object payload, cast to data_type. HubSpot sends every property value as a
    string (numbers, booleans and ISO 8601 datetimes included) and blank strings for cleared values; both a
    missing property and a blank value become null.
-#}
{% macro hubspot_property(property_name, data_type='text', payload='payload') -%}
    {%- set value = payload ~ " -> 'properties' ->> '" ~ property_name ~ "'" -%}
    case when trim({{ value }}) <> '' then cast({{ value }} as {{ data_type }}) end
{%- endmacro %}
