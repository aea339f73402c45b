-- Each committee seat's sector (thành phần đại diện): its kind (the organisation itself is the member's
-- organisation_id), a detail for the other kinds (a religion, an ethnic group…), and the seat's start date (its end
-- is the membership's ended_on). Members already linked to an organisation represent it.
alter table members
    add column sector        text check (sector in ('organisation', 'religion', 'ethnicity', 'individual', 'business',
                                                    'overseas', 'armed_forces', 'other')),
    add column sector_detail text check (length(sector_detail) between 1 and 200),
    add column started_on    date,
    add constraint members_sector_detail check (sector_detail is null or sector is not null);
select set_config('mattran.scope', '{vn}', true);
update members set sector = 'organisation' where organisation_id is not null;
select set_config('mattran.scope', '', true);
