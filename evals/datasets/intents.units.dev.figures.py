#!/usr/bin/env python3
# ruff: noqa: E501  (one SQL statement per line, as its author wrote them; formatted and typed for the lint gate)
"""Figures of intents.units.dev.jsonl, recomputed from a fresh store with the demo data.

Run from the project root with its environment:
    .venv/bin/python /work/briefs/s8/out/intents.units.dev.figures.py          # print computed values by id
    .venv/bin/python /work/briefs/s8/out/intents.units.dev.figures.py --check  # exit 1 when a value differs

A temporary data dir (MATTRAN_DATA_DIR) is prepared with mattran.bootstrap.prepare_store (migrations,
reference units, demo data), every figure is computed by its own SQL as the store's owner in the whole
country's scope (mattran.scope = {vn}), then the data dir is removed.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

DATASET = Path(__file__).with_name("intents.units.dev.jsonl")

# id -> SQL returning one number. Members: table members (unit_code, unit_path, gender 'nam'/'nu', birth_year,
# position, organisation, ethnicity, religion); congresses: table congresses (status chua_trien_khai /
# dang_chuan_bi / da_to_chuc / hoan_thanh, planned_date, held_date, delegates_planned, delegates_attending,
# committee_size); units (code, level 0 centre / 1 province / 2 commune, province_code, path).
FIGURES: dict[str, str] = {
    "u0001": "select count(*) from members m where (m.unit_code = '08611') and (m.gender='nu')",
    "u0002": "select count(*) from members m where (m.unit_code = '08611') and (m.gender='nu')",
    "u0003": "select count(*) from members m where (m.unit_code = '07900') and (m.ethnicity='Mường')",
    "u0004": "select count(*) from members m where (m.unit_code = '05086') and (m.ethnicity='Mường')",
    "u0005": "select count(*) from members m where (m.unit_code = '04897') and (m.gender='nu')",
    "u0006": "select count(*) from members m where (m.unit_code = '08620') and (m.ethnicity='Dao')",
    "u0007": "select count(*) from members m where (m.unit_code = '08740') and (m.position in ('Chủ tịch','Phó Chủ tịch','Ủy viên Ban Thường trực'))",
    "u0008": "select count(*) from members m where (m.unit_path <@ (select path from units where code = '25')) and (m.gender='nu')",
    "u0009": "select count(*) from members m where (m.unit_code = '25') and (m.gender='nu')",
    "u0010": "select count(*) from members m where (m.unit_code = '25') and (m.religion='Phật giáo')",
    "u0011": "select count(*) from members m where (m.unit_code = '08896') and (m.birth_year >= 1980)",
    "u0012": "select count(*) from members m where (m.unit_code = '08593') and (m.organisation='Hội Nông dân')",
    "u0013": "select abs((select count(*) from members m where (m.unit_code = '08611') and (m.gender='nu')) - (select count(*) from members m where (m.unit_code = '07900') and (m.gender='nu')))",
    "u0014": "select max(n) from (select count(*) filter (where m.gender='nu') n from members m join units u on u.code=m.unit_code where u.level=2 and u.province_code='25' group by m.unit_code) t",
    "u0015": "select round(100.0*count(*) filter (where m.gender='nu')/count(*),1) from members m join units u on u.code=m.unit_code where u.level=2 and u.province_code='25'",
    "u0016": "select count(*) from members m where (m.unit_code = '07900') and (m.birth_year between 1980 and 1989)",
    "u0017": "select count(*) from members m where (m.unit_code = '08740') and (m.ethnicity='Mường')",
    "u0018": "select count(*) from members m where (m.unit_code = '08611') and (m.religion='Phật giáo')",
    "u0019": "select count(*) from members m where (m.unit_code = '00166') and (m.gender='nu')",
    "u0020": "select count(*) from members m where (m.unit_code = '00328') and (m.gender='nu')",
    "u0021": "select count(*) from members m where (m.unit_code = '09856') and (m.religion='Phật giáo')",
    "u0022": "select count(*) from members m where (m.unit_code = '10342') and (m.religion='Tin Lành')",
    "u0023": "select count(*) from members m where (m.unit_code = '00493') and (m.organisation='Đoàn TNCS Hồ Chí Minh')",
    "u0024": "select count(*) from members m where (m.unit_code = '00622') and (m.religion='Công giáo')",
    "u0025": "select count(*) from members m where (m.unit_path <@ (select path from units where code = '01')) and (m.gender='nu')",
    "u0026": "select count(*) from members m where (m.unit_code = '01') and (m.position='Phó Chủ tịch')",
    "u0027": "select count(*) from members m where (m.unit_code = '01') and (m.birth_year < 1970)",
    "u0028": "select count(*) from members m where (m.unit_code = '00328') and (m.ethnicity='Tày')",
    "u0029": "select round(avg(n),1) from (select count(*) filter (where m.gender='nu') n from members m join units u on u.code=m.unit_code where u.level=2 and u.province_code='01' group by m.unit_code) t",
    "u0030": "select abs((select count(*) from members m where (m.unit_code = '00166') and (m.religion='Công giáo')) - (select count(*) from members m where (m.unit_code = '00622') and (m.religion='Công giáo')))",
    "u0031": "select count(*) from members m where (m.unit_code = '10342') and (m.position in ('Chủ tịch','Phó Chủ tịch','Ủy viên Ban Thường trực'))",
    "u0032": "select count(*) from members m where (m.unit_code = '20017') and (m.ethnicity='Cơ Tu')",
    "u0033": "select count(*) from members m where (m.unit_code = '20044') and (m.ethnicity='Tà Ôi')",
    "u0034": "select count(*) from members m where (m.unit_code = '19804') and (m.gender='nu')",
    "u0035": "select count(*) from members m where (m.unit_code = '19918') and (m.organisation='Hội Cựu chiến binh')",
    "u0036": "select count(*) from members m where (m.unit_code = '46') and (m.gender='nu')",
    "u0037": "select count(*) from members m where (m.unit_path <@ (select path from units where code = '46')) and (m.ethnicity <> 'Kinh')",
    "u0038": "select count(*) from members m where (m.unit_code = '20017') and (m.birth_year >= 1990)",
    "u0039": "select count(*) from members m where (m.unit_code = '10675') and (m.gender='nu')",
    "u0040": "select count(*) from members m where (m.unit_code = '10966') and (m.religion='Phật giáo')",
    "u0041": "select count(*) from members m where (m.unit_code = '10570') and (m.gender='nu')",
    "u0042": "select count(*) from members m where (m.unit_code = '11203') and (m.religion <> 'Không')",
    "u0043": "select count(*) from members m where (m.unit_code = '31') and (m.religion='Công giáo')",
    "u0044": "select count(*) from members m join units u on u.code=m.unit_code where u.level=2 and u.province_code='31'",
    "u0045": "select abs((select count(*) from members m where (m.unit_code = '10675') and (m.gender='nu')) - (select count(*) from members m where (m.unit_code = '10570') and (m.gender='nu')))",
    "u0046": "select count(*) from members m where (m.unit_code = 'TW') and (m.gender='nu')",
    "u0047": "select count(*) from members m",
    "u0048": "select count(*) from members m where (m.unit_code = '08611') and (m.gender='nu')",
    "u0049": "select count(*) from members m where (m.unit_code = '25') and (m.ethnicity='Mường')",
    "u0050": "select count(*) from members m where (m.unit_code = '46') and (m.gender='nu')",
    "u0051": "select count(*) from members m join units u on u.code=m.unit_code where u.level=1 and m.gender='nu'",
    "u0052": "select count(*) from members m where (m.unit_code = '25') and (m.birth_year < 1970)",
    "u0053": "select count(*) from members m where (m.unit_path <@ (select path from units where code = '31')) and (m.religion='Công giáo')",
    "u0054": "select abs((select count(*) from members m where (m.unit_code = '01') and (m.gender='nu')) - (select count(*) from members m where (m.unit_code = '46') and (m.gender='nu')))",
    "u0055": "select count(*) from members m where (m.unit_code = '00166') and (m.birth_year >= 1990)",
    "u0056": "select round(100.0*count(*) filter (where gender='nu')/count(*),1) from members",
    "u0057": "select count(*) from members where organisation='Hội Liên hiệp Phụ nữ'",
    "u0058": "select count(*) from members m where (m.unit_code = '20044') and (m.ethnicity <> 'Kinh')",
    "u0059": "select max(n) from (select count(*) filter (where m.religion='Công giáo') n from members m join units u on u.code=m.unit_code where u.level=1 group by m.unit_code) t",
    "u0060": "select count(*) from members m where (m.unit_code = 'TW') and (m.position in ('Chủ tịch','Phó Chủ tịch','Ủy viên Ban Thường trực'))",
    "u0061": "select count(*) from members m where (m.unit_code = '09856') and (m.gender='nu')",
    "u0062": "select count(*) from members m where (m.unit_code = '08611') and (m.gender='nu')",
    "u0063": "select count(*) from members m where (m.unit_code = '08611') and (m.ethnicity='Mường')",
    "u0064": "select count(*) from members m where (m.unit_code = '08611') and (m.birth_year >= 1985)",
    "u0065": "select count(*) from members m where (m.unit_code = '08611') and (m.position in ('Chủ tịch','Phó Chủ tịch','Ủy viên Ban Thường trực'))",
    "u0066": "select count(*) from members m where (m.unit_code = '07900') and (m.ethnicity='Kinh')",
    "u0067": "select count(*) from members m where (m.unit_code = '07900') and (m.organisation='Hội Cựu chiến binh')",
    "u0068": "select count(*) from members m where (m.unit_code = '07900') and (m.gender='nu')",
    "u0069": "select count(*) from members m where (m.unit_code = '04897') and (m.gender='nu')",
    "u0070": "select count(*) from members m where (m.unit_code = '00166') and (m.religion='Công giáo')",
    "u0071": "select count(*) from members m where (m.unit_code = '19804') and (m.ethnicity='Tà Ôi')",
    "u0072": "select count(*) from members m where (m.unit_code = '10675') and (m.birth_year < 1970)",
    "u0078": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '25') and (c.status in ('da_to_chuc','hoan_thanh'))",
    "u0079": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '25') and (c.status='chua_trien_khai')",
    "u0080": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '25') and (c.status='dang_chuan_bi')",
    "u0081": "select round(100.0*count(*) filter (where c.status in ('da_to_chuc','hoan_thanh'))/count(*),1) from congresses c join units u on u.code=c.unit_code where u.level = 2 and u.province_code = '25'",
    "u0082": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '25') and (c.held_date > c.planned_date)",
    "u0083": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '25') and (c.held_date between '2024-05-01' and '2024-05-31')",
    "u0084": "select delegates_attending from congresses where unit_code = '08611'",
    "u0085": "select committee_size from congresses where unit_code = '07900'",
    "u0086": "select coalesce(delegates_attending,0) from congresses where unit_code = '08521'",
    "u0087": "select delegates_planned from congresses where unit_code = '08521'",
    "u0088": "select committee_size from congresses where unit_code = '07954'",
    "u0089": "select round(avg(c.delegates_attending),1) from congresses c join units u on u.code=c.unit_code where u.level=2 and u.province_code='25' and c.status in ('da_to_chuc','hoan_thanh')",
    "u0090": "select sum(c.delegates_attending) from congresses c join units u on u.code=c.unit_code where u.level=2 and u.province_code='25'",
    "u0091": "select coalesce(committee_size,0) from congresses where unit_code = '08494'",
    "u0092": "select abs((select delegates_attending from congresses where unit_code = '08611') - (select delegates_attending from congresses where unit_code = '07900'))",
    "u0093": "select delegates_planned from congresses where unit_code = '08911'",
    "u0096": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '01') and (c.status='hoan_thanh')",
    "u0097": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '01') and (c.status in ('chua_trien_khai','dang_chuan_bi'))",
    "u0098": "select round(100.0*count(*) filter (where c.status in ('da_to_chuc','hoan_thanh'))/count(*),1) from congresses c join units u on u.code=c.unit_code where u.level = 2 and u.province_code = '01'",
    "u0099": "select coalesce(delegates_attending,0) from congresses where unit_code = '00199'",
    "u0100": "select held_date - planned_date from congresses where unit_code = '10342'",
    "u0101": "select delegates_planned from congresses where unit_code = '09574'",
    "u0102": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '01') and (c.held_date between '2024-04-01' and '2024-04-30')",
    "u0103": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '01') and (c.held_date > c.planned_date)",
    "u0104": "select coalesce(delegates_attending,0) from congresses where unit_code = '10330'",
    "u0105": "select coalesce(committee_size,0) from congresses where unit_code = '00004'",
    "u0106": "select delegates_attending from congresses where unit_code = '00166'",
    "u0107": "select sum(c.committee_size) from congresses c join units u on u.code=c.unit_code where u.level=2 and u.province_code='01'",
    "u0109": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '46') and (c.status='chua_trien_khai')",
    "u0110": "select round(100.0*count(*) filter (where c.status in ('da_to_chuc','hoan_thanh'))/count(*),1) from congresses c join units u on u.code=c.unit_code where u.level = 2 and u.province_code = '46'",
    "u0111": "select coalesce(delegates_attending,0) from congresses where unit_code = '19777'",
    "u0112": "select delegates_planned from congresses where unit_code = '20044'",
    "u0113": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '46') and (c.held_date between '2024-07-01' and '2024-07-31')",
    "u0114": "select abs((select delegates_attending from congresses where unit_code = '20017') - (select delegates_attending from congresses where unit_code = '19804'))",
    "u0116": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '31') and (c.status in ('da_to_chuc','hoan_thanh'))",
    "u0117": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '31') and (c.status='dang_chuan_bi')",
    "u0118": "select delegates_planned from congresses where unit_code = '10675'",
    "u0119": "select delegates_attending from congresses where unit_code = '11203'",
    "u0120": "select committee_size from congresses where unit_code = '10813'",
    "u0121": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '31') and (c.held_date between '2024-06-01' and '2024-06-30')",
    "u0122": "select round(avg(c.committee_size),1) from congresses c join units u on u.code=c.unit_code where u.level=2 and u.province_code='31' and c.committee_size is not null",
    "u0123": "select delegates_attending from congresses where unit_code = '11329'",
    "u0124": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code in ('01','25','31','46')) and (c.status in ('da_to_chuc','hoan_thanh'))",
    "u0125": "select count(*) from congresses c join units u on u.code=c.unit_code where u.level=1 and c.status in ('da_to_chuc','hoan_thanh')",
    "u0126": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '25') and (c.status in ('chua_trien_khai','dang_chuan_bi'))",
    "u0127": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '01') and (c.status in ('da_to_chuc','hoan_thanh'))",
    "u0128": "select round(100.0*count(*) filter (where c.status in ('da_to_chuc','hoan_thanh'))/count(*),1) from congresses c join units u on u.code=c.unit_code where u.level = 2 and u.province_code = '31'",
    "u0129": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '46') and (c.status='hoan_thanh')",
    "u0130": "select delegates_attending from congresses where unit_code = '31'",
    "u0131": "select committee_size from congresses where unit_code = '46'",
    "u0132": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '31') and (c.status='chua_trien_khai')",
    "u0133": "select max(n) from (select count(*) filter (where c.held_date > c.planned_date) n from congresses c join units u on u.code=c.unit_code where u.level = 2 and u.province_code in ('01','25','31','46') group by u.province_code) t",
    "u0134": "select delegates_attending from congresses where unit_code = '08611'",
    "u0135": "select abs((select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '25') and (c.status='hoan_thanh')) - (select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '01') and (c.status='hoan_thanh')))",
    "u0136": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code in ('01','25','31','46')) and (c.held_date between '2024-06-01' and '2024-06-30')",
    "u0137": "select coalesce(committee_size,0) from congresses where unit_code = '08923'",
    "u0139": "select delegates_attending from congresses where unit_code = 'TW'",
    "u0140": "select delegates_attending from congresses where unit_code = '08611'",
    "u0141": "select committee_size from congresses where unit_code = '08611'",
    "u0143": "select delegates_planned - delegates_attending from congresses where unit_code = '07900'",
    "u0144": "select delegates_planned from congresses where unit_code = '07900'",
    "u0146": "select delegates_planned from congresses where unit_code = '20044'",
    "u0147": "select delegates_planned from congresses where unit_code = '00622'",
    "u0148": "select held_date - planned_date from congresses where unit_code = '10342'",
    "u0301": "select count(*) from members m where (m.unit_code = '08620') and (m.gender='nu')",
    "u0302": "select count(*) from members m where (m.unit_code = '08740') and (m.ethnicity='Mường')",
    "u0303": "select count(*) from members m where (m.unit_code = '04897') and (m.ethnicity='Mường')",
    "u0304": "select count(*) from members m where (m.unit_code = '10570') and (m.gender='nu')",
    "u0305": "select count(*) from members m where (m.unit_code = '20017') and (m.birth_year >= 1980)",
    "u0306": "select count(*) from members m where (m.unit_code = '19918') and (m.religion='Phật giáo')",
    "u0307": "select count(*) from members m where (m.unit_code = '01') and (m.position in ('Chủ tịch','Phó Chủ tịch','Ủy viên Ban Thường trực'))",
    "u0308": "select count(*) from members m where (m.unit_code = '31') and (m.birth_year >= 1990)",
    "u0309": "select count(*) from members m where (m.unit_path <@ (select path from units where code = '25')) and (m.organisation='Hội Nông dân')",
    "u0310": "select count(*) from members m where (m.unit_code = '10966') and (m.gender='nu')",
    "u0311": "select count(*) from members m where (m.unit_code = '11203') and (m.religion='Không')",
    "u0312": "select abs((select count(*) from members m where (m.unit_code = '46') and (m.gender='nu')) - (select count(*) from members m where (m.unit_code = '31') and (m.gender='nu')))",
    "u0313": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '25') and (c.status='hoan_thanh')",
    "u0314": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '01') and (c.status='dang_chuan_bi')",
    "u0315": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '31') and (c.held_date > c.planned_date)",
    "u0316": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '46') and (c.held_date > c.planned_date)",
    "u0317": "select delegates_planned from congresses where unit_code = '25'",
    "u0318": "select committee_size from congresses where unit_code = '00199'",
    "u0319": "select held_date - planned_date from congresses where unit_code = '08494'",
    "u0320": "select sum(c.delegates_attending) from congresses c join units u on u.code=c.unit_code where u.level=2 and u.province_code='46'",
    "u0321": "select delegates_attending from congresses where unit_code = '00226'",
    "u0322": "select held_date - planned_date from congresses where unit_code = '10552'",
    "u0323": "select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '25') and (c.held_date between '2024-07-01' and '2024-07-31')",
    "u0324": "select abs((select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '01') and (c.status='chua_trien_khai')) - (select count(*) from congresses c join units u on u.code = c.unit_code where (u.level = 2 and u.province_code = '31') and (c.status='chua_trien_khai')))",
    "u0349": "select round(100.0*count(*) filter (where c.status='hoan_thanh')/count(*),1) from congresses c join units u on u.code=c.unit_code where u.level=2 and u.province_code='46'",
    "u0350": "select count(*) from members m where (m.unit_code = '10342') and (m.religion='Không')",
    "u0351": "select delegates_attending from congresses where unit_code = '19804'",
    "u0352": "select count(*) from members m where (m.unit_code = '08611') and (m.ethnicity <> 'Kinh')",
    "u0353": "select count(*) from members m where (m.unit_code = '08611') and (m.birth_year < 1970)",
    "u0354": "select delegates_planned - delegates_attending from congresses where unit_code = '08611'",
    "u0359": "select count(*) from members m where (m.unit_code = '07900') and (m.organisation='Hội Liên hiệp Phụ nữ')",
    "u0360": "select committee_size from congresses where unit_code = '07900'",
    "u0364": "select count(*) from members m where (m.unit_code = '10675') and (m.gender='nu')",
    "u0365": "select delegates_planned from congresses where unit_code = '10675'",
    "u0368": "select count(*) from members m where (m.unit_code = '20044') and (m.ethnicity='Tà Ôi')",
    "u0371": "select delegates_attending from congresses where unit_code = '19804'",
    "u0372": "select count(*) from members m where (m.unit_code = '19804') and (m.position in ('Chủ tịch','Phó Chủ tịch','Ủy viên Ban Thường trực'))",
    "u0374": "select delegates_attending from congresses where unit_code = '04897'",
    "u0375": "select count(*) from members m where (m.unit_code = '04897') and (m.ethnicity='Mường')",
    "u0376": "select count(*) from members m where (m.unit_code = '00622') and (m.birth_year >= 1990)",
    "u0379": "select committee_size from congresses where unit_code = '00166'",
}


def _value(v):
    if isinstance(v, Decimal | float):
        v = round(float(v), 1)
        return int(v) if v == int(v) and not isinstance(v, float) else v
    return v


def compute() -> dict[str, float | None]:
    data_dir = Path(tempfile.mkdtemp(prefix="mattran-figures-"))
    os.environ["MATTRAN_DATA_DIR"] = str(data_dir)
    os.environ["MATTRAN_DEMO_DATA"] = "true"
    os.environ.setdefault("MATTRAN_MODELS_DIR", str(Path.cwd() / ".mattran" / "test-models"))
    try:
        import psycopg

        from mattran.bootstrap import prepare_store
        from mattran.settings import Settings

        urls = prepare_store(Settings(data_dir=data_dir, demo_data=True, demo_library=False))
        out: dict[str, float | None] = {}
        with psycopg.connect(urls.owner) as conn:
            conn.execute("select set_config('mattran.scope', '{vn}', true)")
            for fid, sql in FIGURES.items():
                row = conn.execute(sql).fetchone()
                out[fid] = _value(row[0]) if row else None
        return out
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> int:
    check = "--check" in sys.argv[1:]
    computed = compute()
    items = [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]
    expected = {it["id"]: it["figure"]["value"] for it in items if "figure" in it}
    bad = 0
    for fid in sorted(set(expected) | set(computed)):
        got, want = computed.get(fid), expected.get(fid)
        same = got is not None and want is not None and float(got) == float(want)
        if not check:
            print(f"{fid}\t{got}" + ("" if same else f"\t(in the set: {want})"))
        elif not same:
            print(f"{fid}: computed {got}, in the set {want}")
            bad += 1
    if check:
        print(f"{len(expected)} figures, {bad} differ")
    return 1 if check and bad else 0


if __name__ == "__main__":
    sys.exit(main())
