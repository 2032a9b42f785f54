-- Sample HubSpot raw rows for the dbt project (issue 2), following docs/architecture.md seam 1.
-- Run as role loader (e.g. warehouse.ready().connect('loader')); safe to run again (merges on natural_key).
-- What dbt makes of it (report_timezone UTC):
--   9 contacts -> 9 crm_contact_created touches (awareness); 58 has no source and a blank email -> channel other.
--   deals 9, 12, 13 won -> crm_deal_created + crm_deal_won; 10 lost, 11 open -> crm_deal_created only;
--   14 has no associated contact -> no touch. 17 touches in all; deal 12 has two contacts, its buyer is 55
--   (created first); deal 12 is in EUR, so assert_revenue_in_reporting_currency warns once and the mart's
--   revenue leaves it out; deal 13 has no deal_currency_code -> hubspot_company_currency (USD).

create table if not exists raw.hubspot__contacts (
    natural_key text primary key,
    payload jsonb not null,
    source_updated_at timestamptz,
    extracted_at timestamptz not null,
    batch_id text not null,
    interval_start timestamptz,
    interval_end timestamptz
);
create table if not exists raw.hubspot__deals (like raw.hubspot__contacts including all);
create table if not exists raw.hubspot__deal_contacts (like raw.hubspot__contacts including all);

insert into raw.hubspot__contacts as t
    (natural_key, payload, source_updated_at, extracted_at, batch_id, interval_start, interval_end)
select
    payload ->> 'id',
    payload,
    (payload ->> 'updatedAt')::timestamptz,
    '2024-04-01T06:00:00Z',
    'sample-contacts-1',
    '2024-03-31T00:00:00Z',
    '2024-04-01T00:00:00Z'
from jsonb_array_elements($json$[
  {"id": "51", "properties": {"email": "alice@example.com", "firstname": "Alice", "lastname": "Archer", "createdate": "2024-03-01T15:04:11.512Z", "lastmodifieddate": "2024-03-20T12:00:09.100Z", "lifecyclestage": "customer", "hs_analytics_source": "PAID_SEARCH", "hs_analytics_source_data_1": "spring_sale", "hs_analytics_source_data_2": "google", "hs_object_id": "51"}, "createdAt": "2024-03-01T15:04:11.512Z", "updatedAt": "2024-03-20T12:00:09.100Z", "archived": false},
  {"id": "52", "properties": {"email": "  Bob.Smith@Example.COM ", "firstname": "Bob", "lastname": "Smith", "createdate": "2024-03-02T08:30:00.000Z", "lastmodifieddate": "2024-03-25T16:45:00.000Z", "lifecyclestage": "opportunity", "hs_analytics_source": "ORGANIC_SEARCH", "hs_analytics_source_data_1": "crm software for startups", "hs_analytics_source_data_2": "google.com", "hs_object_id": "52"}, "createdAt": "2024-03-02T08:30:00.000Z", "updatedAt": "2024-03-25T16:45:00.000Z", "archived": false},
  {"id": "53", "properties": {"email": "carol@example.org", "firstname": "Carol", "lastname": "Chen", "createdate": "2024-03-04T19:12:45.000Z", "lastmodifieddate": "2024-03-28T10:00:00.000Z", "lifecyclestage": "salesqualifiedlead", "hs_analytics_source": "EMAIL_MARKETING", "hs_analytics_source_data_1": "march_newsletter", "hs_analytics_source_data_2": "March Newsletter", "hs_object_id": "53"}, "createdAt": "2024-03-04T19:12:45.000Z", "updatedAt": "2024-03-28T10:00:00.000Z", "archived": false},
  {"id": "54", "properties": {"email": "dave@example.net", "firstname": "Dave", "lastname": "Diaz", "createdate": "2024-03-05T11:00:00.000Z", "lastmodifieddate": "2024-03-05T11:00:00.000Z", "lifecyclestage": "marketingqualifiedlead", "hs_analytics_source": "SOCIAL_MEDIA", "hs_analytics_source_data_1": "LinkedIn", "hs_analytics_source_data_2": null, "hs_object_id": "54"}, "createdAt": "2024-03-05T11:00:00.000Z", "updatedAt": "2024-03-05T11:00:00.000Z", "archived": false},
  {"id": "55", "properties": {"email": "erin@bigcorp.example", "firstname": "Erin", "lastname": "Evans", "createdate": "2024-03-06T09:20:00.000Z", "lastmodifieddate": "2024-03-29T14:00:00.000Z", "lifecyclestage": "customer", "hs_analytics_source": "REFERRALS", "hs_analytics_source_data_1": "g2.com", "hs_analytics_source_data_2": "https://www.g2.com/products/purchase-path/reviews", "hs_object_id": "55"}, "createdAt": "2024-03-06T09:20:00.000Z", "updatedAt": "2024-03-29T14:00:00.000Z", "archived": false},
  {"id": "56", "properties": {"email": "frank@bigcorp.example", "firstname": "Frank", "lastname": "Fischer", "createdate": "2024-03-10T13:00:00.000Z", "lastmodifieddate": "2024-03-29T14:00:00.000Z", "lifecyclestage": "customer", "hs_analytics_source": "DIRECT_TRAFFIC", "hs_analytics_source_data_1": null, "hs_analytics_source_data_2": null, "hs_object_id": "56"}, "createdAt": "2024-03-10T13:00:00.000Z", "updatedAt": "2024-03-29T14:00:00.000Z", "archived": false},
  {"id": "57", "properties": {"email": "grace@example.com", "firstname": "Grace", "lastname": "Gupta", "createdate": "2024-03-12T10:00:00.000Z", "lastmodifieddate": "2024-03-12T10:00:00.000Z", "lifecyclestage": "lead", "hs_analytics_source": "OFFLINE", "hs_analytics_source_data_1": "IMPORT", "hs_analytics_source_data_2": "trade-show-2024.csv", "hs_object_id": "57"}, "createdAt": "2024-03-12T10:00:00.000Z", "updatedAt": "2024-03-12T10:00:00.000Z", "archived": false},
  {"id": "58", "properties": {"email": "", "firstname": "Heidi", "lastname": null, "createdate": "2024-03-14T23:59:59.000Z", "lastmodifieddate": "2024-03-14T23:59:59.000Z", "lifecyclestage": "subscriber", "hs_analytics_source": null, "hs_analytics_source_data_1": null, "hs_analytics_source_data_2": null, "hs_object_id": "58"}, "createdAt": "2024-03-14T23:59:59.000Z", "updatedAt": "2024-03-14T23:59:59.000Z", "archived": false},
  {"id": "59", "properties": {"email": "ivan@example.com", "firstname": "Ivan", "lastname": "Ivanov", "createdate": "2024-03-15T07:45:00.000Z", "lastmodifieddate": "2024-03-30T09:00:00.000Z", "lifecyclestage": "customer", "hs_analytics_source": "PAID_SOCIAL", "hs_analytics_source_data_1": "Facebook", "hs_analytics_source_data_2": "retargeting_march", "hs_object_id": "59"}, "createdAt": "2024-03-15T07:45:00.000Z", "updatedAt": "2024-03-30T09:00:00.000Z", "archived": false}
]$json$::jsonb) as payload
on conflict (natural_key) do update set
    payload = excluded.payload,
    source_updated_at = excluded.source_updated_at,
    extracted_at = excluded.extracted_at,
    batch_id = excluded.batch_id,
    interval_start = excluded.interval_start,
    interval_end = excluded.interval_end
where t.source_updated_at is null or excluded.source_updated_at >= t.source_updated_at;

insert into raw.hubspot__deals as t
    (natural_key, payload, source_updated_at, extracted_at, batch_id, interval_start, interval_end)
select
    payload ->> 'id',
    payload,
    (payload ->> 'updatedAt')::timestamptz,
    '2024-04-01T06:00:00Z',
    'sample-deals-1',
    '2024-03-31T00:00:00Z',
    '2024-04-01T00:00:00Z'
from jsonb_array_elements($json$[
  {"id": "9", "properties": {"dealname": "Archer Inc - annual plan", "amount": "12000", "deal_currency_code": "USD", "dealstage": "closedwon", "pipeline": "default", "closedate": "2024-03-20T12:00:00Z", "createdate": "2024-03-08T10:15:00.000Z", "hs_lastmodifieddate": "2024-03-20T12:00:05.000Z", "hs_object_id": "9"}, "createdAt": "2024-03-08T10:15:00.000Z", "updatedAt": "2024-03-20T12:00:05.000Z", "archived": false},
  {"id": "10", "properties": {"dealname": "Smith & Co - team plan", "amount": "4800.00", "deal_currency_code": "USD", "dealstage": "closedlost", "pipeline": "default", "closedate": "2024-03-25T16:45:00Z", "createdate": "2024-03-09T09:00:00.000Z", "hs_lastmodifieddate": "2024-03-25T16:45:00.000Z", "hs_object_id": "10"}, "createdAt": "2024-03-09T09:00:00.000Z", "updatedAt": "2024-03-25T16:45:00.000Z", "archived": false},
  {"id": "11", "properties": {"dealname": "Chen Studio - starter", "amount": "1200", "deal_currency_code": "USD", "dealstage": "appointmentscheduled", "pipeline": "default", "closedate": "2024-05-01T00:00:00Z", "createdate": "2024-03-28T10:00:00.000Z", "hs_lastmodifieddate": "2024-03-28T10:00:00.000Z", "hs_object_id": "11"}, "createdAt": "2024-03-28T10:00:00.000Z", "updatedAt": "2024-03-28T10:00:00.000Z", "archived": false},
  {"id": "12", "properties": {"dealname": "BigCorp GmbH - enterprise", "amount": "30000.50", "deal_currency_code": "EUR", "dealstage": "closedwon", "pipeline": "default", "closedate": "2024-03-29T14:00:00Z", "createdate": "2024-03-11T08:00:00.000Z", "hs_lastmodifieddate": "2024-03-29T14:00:02.000Z", "hs_object_id": "12"}, "createdAt": "2024-03-11T08:00:00.000Z", "updatedAt": "2024-03-29T14:00:02.000Z", "archived": false},
  {"id": "13", "properties": {"dealname": "Ivanov - pro plan", "amount": "2400", "deal_currency_code": null, "dealstage": "closedwon", "pipeline": "default", "closedate": "2024-03-30T09:00:00Z", "createdate": "2024-03-18T12:30:00.000Z", "hs_lastmodifieddate": "2024-03-30T09:00:00.000Z", "hs_object_id": "13"}, "createdAt": "2024-03-18T12:30:00.000Z", "updatedAt": "2024-03-30T09:00:00.000Z", "archived": false},
  {"id": "14", "properties": {"dealname": "Inbound - unassigned", "amount": "", "deal_currency_code": null, "dealstage": "qualifiedtobuy", "pipeline": "default", "closedate": null, "createdate": "2024-03-31T17:00:00.000Z", "hs_lastmodifieddate": "2024-03-31T17:00:00.000Z", "hs_object_id": "14"}, "createdAt": "2024-03-31T17:00:00.000Z", "updatedAt": "2024-03-31T17:00:00.000Z", "archived": false}
]$json$::jsonb) as payload
on conflict (natural_key) do update set
    payload = excluded.payload,
    source_updated_at = excluded.source_updated_at,
    extracted_at = excluded.extracted_at,
    batch_id = excluded.batch_id,
    interval_start = excluded.interval_start,
    interval_end = excluded.interval_end
where t.source_updated_at is null or excluded.source_updated_at >= t.source_updated_at;

insert into raw.hubspot__deal_contacts as t
    (natural_key, payload, source_updated_at, extracted_at, batch_id, interval_start, interval_end)
select
    payload -> 'from' ->> 'id',
    payload,
    null,
    '2024-04-01T06:00:00Z',
    'sample-deal-contacts-1',
    '2024-03-31T00:00:00Z',
    '2024-04-01T00:00:00Z'
from jsonb_array_elements($json$[
  {"from": {"id": "9"}, "to": [{"toObjectId": 51, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 3, "label": null}]}]},
  {"from": {"id": "10"}, "to": [{"toObjectId": 52, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 3, "label": null}]}]},
  {"from": {"id": "11"}, "to": [{"toObjectId": 53, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 3, "label": null}]}]},
  {"from": {"id": "12"}, "to": [{"toObjectId": 56, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 3, "label": null}]}, {"toObjectId": 55, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 3, "label": null}, {"category": "USER_DEFINED", "typeId": 17, "label": "Decision maker"}]}]},
  {"from": {"id": "13"}, "to": [{"toObjectId": 59, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 3, "label": null}]}]}
]$json$::jsonb) as payload
on conflict (natural_key) do update set
    payload = excluded.payload,
    extracted_at = excluded.extracted_at,
    batch_id = excluded.batch_id,
    interval_start = excluded.interval_start,
    interval_end = excluded.interval_end;
