{{ incremental_by_record('contact_id') }}
-- One raw row per contact holds its whole lifecyclestage history; one row here per change.
{{ hubspot_property_history('hubspot__contact_stage_history', 'lifecyclestage', 'contact_id', 'lifecycle_stage') }}
