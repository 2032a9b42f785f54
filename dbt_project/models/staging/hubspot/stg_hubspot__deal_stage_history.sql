{{ incremental_by_record('deal_id') }}
-- One raw row per deal holds its whole dealstage history; one row here per change.
{{ hubspot_property_history('hubspot__deal_stage_history', 'dealstage', 'deal_id', 'deal_stage') }}
