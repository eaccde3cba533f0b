"""The benchmark seeds emails already normalized: they must be what the email rule gives."""

import pytest

from bench import data
from bench.seed import random_ids
from licensing.emails import normalize

SAMPLE = [0, 1, 2, 999, 123_456, 999_999, 1_000_000]


@pytest.mark.parametrize("number", SAMPLE)
def test_seeded_email_is_stored_in_the_form_the_email_rule_gives(number):
    email, normalized, _organization, _contact = data.customer(number)
    assert normalize(email) == (email, normalized)


def test_addresses_the_load_calls_missing_or_new_are_valid_and_unseeded():
    seeded = {data.customer(n)[1] for n in range(1000)}
    for address in (data.missing_email(7), data.new_email("run", 7)):
        _display, normalized = normalize(address)
        assert normalized not in seeded


def test_seeded_ids_have_the_shape_of_the_services_ids():
    ids = random_ids(1000)
    assert len(set(ids)) == 1000
    assert all(len(i) == 26 and set(i) <= set("ybndrfg8ejkmcpqxot1uwisza345h769") for i in ids)
