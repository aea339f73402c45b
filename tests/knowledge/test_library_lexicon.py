"""The everyday ↔ legal lexicon: drawn only from the laws tuning may read, found with or without diacritics, adding
only terms the asker did not type."""

from __future__ import annotations

import re

from evals.retrieval import UNSEEN_LAWS
from mattran.domain.diacritics import shipped_restorer
from mattran.domain.library_lexicon import Lexicon, lexicon
from mattran.domain.text import fold
from mattran.settings import Settings

SOURCE = re.compile(r"^(?:thông dụng|(?P<file>[\w.-]+\.txt)#Điều (?P<article>\d+))$")
# The three laws kept out of tuning, as their titles read (a source naming one is drawn from it).
UNSEEN_TITLES = ("to cao", "tiep can thong tin", "bao hiem xa hoi")


def test_no_entry_is_drawn_from_a_law_kept_out_of_tuning() -> None:
    entries = lexicon().entries
    assert len(entries) >= 200
    for entry in entries:
        found = SOURCE.match(entry.source)
        assert found, entry
        assert found["file"] not in UNSEEN_LAWS, entry
        assert not any(title in fold(entry.source) for title in UNSEEN_TITLES), entry


def test_every_cited_article_exists_in_its_law(settings: Settings) -> None:
    for entry in lexicon().entries:
        found = SOURCE.match(entry.source)
        assert found
        if found["file"] and settings.laws_dir.is_dir():
            text = (settings.laws_dir / found["file"]).read_text(encoding="utf-8")
            assert re.search(rf"^Điều {found['article']}\.", text, re.MULTILINE), entry


def test_weights_stay_below_the_askers_own_words() -> None:
    assert all(0 < entry.weight <= 1 for entry in lexicon().entries)


def test_an_everyday_phrase_adds_the_legal_terms_with_or_without_diacritics() -> None:
    words = lexicon()
    accented = words.expansion("Nhà nước lấy đất nhà tôi thì có được đền bù không?")
    assert {"thuhoi", "boithuong"} <= set(accented)
    assert "den" not in accented and "bu" not in accented  # the asker's own words are not added again
    assert words.expansion("nha nuoc lay dat nha toi thi co duoc den bu khong") == accented
    assert words.expansion("hôm nay trời đẹp") == {}


def test_a_phrase_matches_whole_words_only() -> None:
    words = Lexicon.load()
    assert [e.everyday for e in words.matches("sổ đỏ")] == ["sổ đỏ"]
    assert words.matches("sổ đỏm") == []


def test_the_lexicon_spells_an_unaccented_question() -> None:
    question = "xin cap so do mat bao lau"
    assert "sổ đỏ" in shipped_restorer().restore(question, lexicon().spellings(question))
