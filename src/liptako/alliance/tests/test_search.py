"""Accent- and case-insensitive directory search, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from liptako.alliance import selectors
from liptako.alliance.search import normalise_for_search, search_words


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("GOÏTA", "goita"),
        ("État-major général des armées", "etat major general des armees"),
        ("Chef d\N{RIGHT SINGLE QUOTATION MARK}État-major", "chef d etat major"),
        ("Mise en œuvre", "mise en oeuvre"),
        ("  Sergent   Hamadou ", "sergent hamadou"),
    ],
)
def test_it_folds_accents_case_and_punctuation(text, folded):
    assert normalise_for_search(text) == folded


def test_a_blank_query_has_no_words():
    assert search_words("  - ' ") == []


def people_found(user, query, **filters):
    found = selectors.person_list_for_user(
        user=user, filters=selectors.PersonFilters(q=query, **filters)
    )
    return [person.last_name for person in found]


def test_goita_finds_goita_with_its_diaeresis(directory, expert_mli):
    assert people_found(expert_mli, "goita") == ["GOÏTA"]
    assert people_found(expert_mli, "GOÏTA") == ["GOÏTA"]
    assert people_found(expert_mli, "assimi goïta") == ["GOÏTA"]


def test_people_are_found_by_rank_by_position_and_by_organisation(directory, expert_mli):
    assert people_found(expert_mli, "general de division") == ["DIARRA"]
    assert people_found(expert_mli, "chef d'etat-major general") == ["DIARRA"]
    assert people_found(expert_mli, "comite des chefs") == ["DIARRA"]
    assert people_found(expert_mli, "nobody") == []


def test_etat_major_finds_the_general_staffs(directory, expert_mli):
    found = selectors.organisation_list_for_user(
        user=expert_mli, filters=selectors.OrganisationFilters(q="etat-major")
    )
    assert {(o.member_state.code if o.member_state else None, o.acronym) for o in found} == {
        ("MLI", "EMGA"),
        ("BFA", "EMGA"),
        (None, ""),  # Comité des Chefs d'État-major
    }


def test_filters_combine_with_the_search(directory, expert_mli):
    aes = directory.aes
    assert people_found(expert_mli, "", member_state=aes.burkina) == []
    assert people_found(expert_mli, "", organisation=directory.emga_mli) == ["DIARRA"]
    assert people_found(expert_mli, "", rank=200) == ["GOÏTA"]


def test_an_account_without_role_finds_nobody(directory, outsider):
    assert people_found(outsider, "diarra") == []
