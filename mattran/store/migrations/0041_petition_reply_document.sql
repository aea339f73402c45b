-- The date of a state body's reply document (the date written on it, not the day a cadre recorded it), and
-- attachments that are that reply's document rather than the petitioner's files.
alter table petitions add column reply_document_date date;
alter table petition_attachments add column of_reply boolean not null default false;
