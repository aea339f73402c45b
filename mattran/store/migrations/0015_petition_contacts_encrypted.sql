-- Petitioners' contacts encrypted at rest, like members' (mattran/domain/privacy.py). SQL cannot encrypt: the clear
-- values are kept as bytes marked 0x00, and every start re-encrypts them (and anything not under the current key)
-- before the application opens.
alter table petition_contacts
    add column full_name_enc bytea,
    add column phone_enc bytea,
    add column email_enc bytea;
select set_config('mattran.scope', '{vn}', true);  -- every row, also where the owner is not a superuser (RLS)
update petition_contacts set
    full_name_enc = '\x00'::bytea || convert_to(full_name, 'UTF8'),
    phone_enc = '\x00'::bytea || convert_to(phone, 'UTF8'),
    email_enc = '\x00'::bytea || convert_to(email, 'UTF8');
alter table petition_contacts drop column full_name, drop column phone, drop column email;
