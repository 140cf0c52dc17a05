"""Each matcher case an agent meets: accents, two surnames, date forms, ZIP+4, separators."""

from __future__ import annotations

import datetime as dt

import pytest

from agent_desktop.verify.matchers import (
    Result,
    match_date,
    match_member_id,
    match_name,
    match_passcode,
    match_phone,
    match_ssn_last4,
    match_zip,
    parse_date,
)

JOSE = (("José", "María"), ("García", "López"))


@pytest.mark.parametrize("typed", [
    "José María García López", "JOSE MARIA GARCIA LOPEZ", "  jose   maria  garcia   lopez ",
    "José María García-López", "José María García y López", "García López, José María",
])
def test_full_name_ignores_case_accents_whitespace_hyphens(typed: str) -> None:
    assert match_name(typed, *JOSE, rule="full").result is Result.MATCH


def test_full_rule_refuses_given_and_first_surname_only() -> None:
    assert match_name("José García", *JOSE, rule="full").result is Result.NO_MATCH


@pytest.mark.parametrize("typed", ["José García", "JOSE GARCIA", "José María García", "Jose Garcia Lopez"])
def test_given_and_first_surname_rule_accepts_short_hispanic_forms(typed: str) -> None:
    assert match_name(typed, *JOSE, rule="given_and_first_surname").result is Result.MATCH


def test_given_and_first_surname_rule_refuses_second_surname_alone() -> None:
    assert match_name("José López", *JOSE, rule="given_and_first_surname").result is Result.NO_MATCH
    assert match_name("José López", *JOSE, rule="given_and_any_surname").result is Result.MATCH


@pytest.mark.parametrize("typed", ["Siobhan O'Brien", "siobhan obrien", "SIOBHAN O’BRIEN", "Siobhan O Brien"])
def test_apostrophes_do_not_matter(typed: str) -> None:
    assert match_name(typed, ("Siobhán",), ("O'Brien",)).result is Result.MATCH


def test_hyphenated_given_name_matches_with_or_without_hyphen() -> None:
    assert match_name("Mary Ann Smith-Jones", ("Mary-Ann",), ("Smith-Jones",)).ok
    assert match_name("Maryann Smith Jones", ("Mary-Ann",), ("Smith-Jones",)).ok


@pytest.mark.parametrize("typed", ["Jose Garsia Lopez", "Josef Garcia Lopez", "Jose Garcia Lopes"])
def test_near_miss_name_is_a_miss(typed: str) -> None:
    assert match_name(typed, *JOSE, rule="full").result is Result.NO_MATCH


def test_single_word_name_asks_again_with_expected_format() -> None:
    got = match_name("José", *JOSE)
    assert got.result is Result.ASK_AGAIN
    assert got.problem == "name_incomplete" and "surname" in got.expected


DOB = dt.date(1961, 3, 4)


@pytest.mark.parametrize("typed", [
    "1961-03-04", "March 4 1961", "march 4, 1961", "Mar 4th 1961", "4 March 1961",
    "4 de marzo de 1961", "4 DE MARZO DE 1961", "04-Mar-1961",
])
def test_unambiguous_date_forms_match(typed: str) -> None:
    assert match_date(typed, DOB).result is Result.MATCH


def test_numeric_date_with_day_over_twelve_reads_either_order() -> None:
    born = dt.date(1961, 3, 14)
    assert match_date("03/14/1961", born).ok
    assert match_date("14/03/1961", born).ok
    assert match_date("14.03.1961", born).ok


def test_ambiguous_day_month_asks_for_clarification_never_guesses() -> None:
    got = match_date("03/04/1961", DOB)
    assert got.result is Result.ASK_AGAIN
    assert got.problem == "day_month_ambiguous"
    assert "YYYY-MM-DD" in got.expected
    # the same text against a record where it would match the other way: still no guess
    assert match_date("03/04/1961", dt.date(1961, 4, 3)).result is Result.ASK_AGAIN


def test_same_day_and_month_is_not_ambiguous() -> None:
    assert match_date("04/04/1961", dt.date(1961, 4, 4)).ok


@pytest.mark.parametrize("typed,problem", [
    ("03/04/61", "year_not_four_digits"), ("02/30/1961", "not_a_date"), ("yesterday", "unreadable_date"),
    ("30 de febrero de 1961", "not_a_date"),
])
def test_unreadable_dates_ask_again(typed: str, problem: str) -> None:
    assert parse_date(typed).problem == problem
    assert match_date(typed, DOB).result is Result.ASK_AGAIN


def test_wrong_date_is_a_miss() -> None:
    assert match_date("1961-03-05", DOB).result is Result.NO_MATCH


def test_zip_five_and_plus_four() -> None:
    assert match_zip("90210", "90210").ok
    assert match_zip("90210-1234", "90210").ok
    assert match_zip("902101234", "90210-1234").ok
    assert match_zip("90210", "90210-1234").ok
    assert match_zip("90210-9999", "90210-1234").result is Result.NO_MATCH
    assert match_zip("90211", "90210").result is Result.NO_MATCH
    assert match_zip("9021", "90210").result is Result.ASK_AGAIN


def test_member_id_ignores_separators_and_case() -> None:
    assert match_member_id("xjh 123-456.78", "XJH12345678").ok
    assert match_member_id("XJH12345679", "XJH12345678").result is Result.NO_MATCH
    assert match_member_id("--", "XJH12345678").result is Result.ASK_AGAIN


def test_ssn_last4_needs_exactly_four_digits() -> None:
    assert match_ssn_last4("1234", "1234").ok
    assert match_ssn_last4(" 12 34 ", "1234").ok
    assert match_ssn_last4("4321", "1234").result is Result.NO_MATCH
    for typed in ("123", "12345", "12a4", "123-45-1234"):
        assert match_ssn_last4(typed, "1234").result is Result.ASK_AGAIN


def test_passcode_ignores_case_accents_and_spacing_only() -> None:
    assert match_passcode("  blue  CANARIO ", "Blue Canário").ok
    assert match_passcode("blue canaria", "Blue Canário").result is Result.NO_MATCH
    # spacing, as published: a passcode said without its pause still matches
    assert match_passcode("girasolazul", "girasol azul").ok
    assert match_passcode("Gira Sol Azul", "girasolazul").ok


def test_phone_ignores_formatting_and_us_country_code() -> None:
    assert match_phone("+1 (555) 010-2233", "555-010-2233").ok
    assert match_phone("5550102234", "555-010-2233").result is Result.NO_MATCH
    assert match_phone("12", "555-010-2233").result is Result.ASK_AGAIN


def test_two_surnames_in_one_family_string_are_split_for_the_short_rule() -> None:
    # an EHR without the fathers-family/mothers-family extensions sends one string
    assert match_name("José García", ("José",), ("García López",), rule="given_and_first_surname").ok
    assert match_name("José García López", ("José",), ("García López",), rule="full").ok
    assert not match_name("José García", ("José",), ("García López",), rule="full").ok
    # a hyphenated surname stays one surname
    assert not match_name("Ann Smith", ("Ann",), ("Smith-Jones",), rule="given_and_first_surname").ok


def test_surname_particles_stay_with_their_name() -> None:
    rule = "given_and_first_surname"
    assert match_name("María de la Cruz", ("María",), ("de la Cruz Ramírez",), rule=rule).ok
    assert match_name("Maria De La Cruz Ramirez", ("María",), ("de la Cruz Ramírez",), rule=rule).ok
    assert not match_name("María Cruz", ("María",), ("de la Cruz Ramírez",), rule=rule).ok
    assert match_name("Pieter van der Berg", ("Pieter",), ("van der Berg",), rule="full").ok
