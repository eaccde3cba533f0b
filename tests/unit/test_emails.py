"""The email rule: which addresses name the same customer, and which are refused."""

import json
import unicodedata
from pathlib import Path

import pytest

from licensing.emails import InvalidEmail, normalize

CASES = json.loads((Path(__file__).parents[1] / "data/cases/email-identity.json").read_text())


@pytest.mark.parametrize(("left", "right"), CASES["same_customer"] + [
    ["ops@bücher.example", "ops@xn--bcher-kva.example"],
    ["ops@BÜCHER.example", "ops@bücher.example"],
    [unicodedata.normalize("NFC", "josé@acme.example"),
     unicodedata.normalize("NFD", "josé@acme.example")],
    ["JOSÉ@acme.example", "josé@acme.example"],
])
def test_addresses_of_one_mailbox_normalize_equal(left, right):
    assert normalize(left)[1] == normalize(right)[1]


@pytest.mark.parametrize(("left", "right"), CASES["different_customers"])
def test_tags_dots_and_other_domains_stay_distinct(left, right):
    assert normalize(left)[1] != normalize(right)[1]


@pytest.mark.parametrize("address", CASES["refused"] + ["ops@acme", 42, None])
def test_invalid_addresses_are_refused(address):
    with pytest.raises(InvalidEmail):
        normalize(address)


def test_normalized_form_is_lowercase_ascii_domain_and_casefolded_local():
    assert normalize("  Ops.Team+X@Bücher.Example ") == (
        "Ops.Team+X@Bücher.Example", "ops.team+x@xn--bcher-kva.example"
    )
