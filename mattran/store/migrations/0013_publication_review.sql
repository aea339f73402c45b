-- Publication is a review: a cadre approves the public title, text and answer (pre-filled masked, edited);
-- nothing unreviewed is public. Intake no longer writes a public text.
alter table petitions alter column content_public drop not null;
alter table petitions
    add column title_public text,                       -- the reviewed public versions (personal data masked)
    add column reviewed_by  text,                       -- the cadre who approved them
    add column reviewed_at  timestamptz,
    -- phản ánh, kiến nghị, khiếu nại or tố cáo: a denouncer's identity is kept from all but the assigned cadre
    add column kind text not null default 'phan_anh'
        check (kind in ('phan_anh', 'kien_nghi', 'khieu_nai', 'to_cao'));
-- Public texts that no cadre reviewed (masked at intake or at publication by earlier releases) are dropped:
-- a petition published before this release shows its status only until a cadre reviews it again.
update petitions set content_public = null, answer_public = null where reviewed_at is null;

-- What anyone may know of a petition: the reviewed public versions, once published (same columns as before).
create or replace view public_petitions with (security_barrier) as
    select p.tracking_code, p.status, p.category, p.unit_code, u.name as unit_name, u.province_code,
           p.created_at, p.due_at, p.answered_at, p.published_at,
           case when p.status = 'published' and p.reviewed_at is not null then p.title_public end as title,
           case when p.status = 'published' and p.reviewed_at is not null then p.content_public end as content_public,
           case when p.status = 'published' and p.reviewed_at is not null then p.answer_public end as answer_public
    from petitions p left join units u on u.code = p.unit_code;

-- Who sent a petition (its contact details and attachments): cadres whose scope holds the petition itself (not
-- the copy of its unit path on the row, which a move may leave behind), and for a denunciation only the cadre it
-- is assigned to (Luật Tố cáo 2018).
create function petition_identity_visible(pid bigint) returns boolean
    language sql stable
as $$
    select exists (select 1 from petitions p
                   where p.id = pid and coalesce(p.unit_path, 'vn'::ltree) <@ (select current_scope())
                   and (p.kind <> 'to_cao' or p.assigned_to = (select current_subject())))
$$;
grant execute on function petition_identity_visible(bigint) to mattran_app;

drop policy petition_contacts_read on petition_contacts;
create policy petition_contacts_read on petition_contacts for select using (petition_identity_visible(petition_id));
drop policy petition_attachments_read on petition_attachments;
create policy petition_attachments_read on petition_attachments for select
    using (petition_identity_visible(petition_id));
