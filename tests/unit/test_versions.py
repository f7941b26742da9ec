"""Version names: numeric order, int32 parts, next-name strategies, no reuse."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from galleryflow.domain.versions import (
    INT32_MAX,
    Version,
    VersionError,
    VersionStrategy,
    next_version,
    parse_version,
    sort_versions,
)

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
parts = st.integers(0, INT32_MAX)
versions = st.builds(Version, parts, parts, parts)


def test_numeric_not_lexical_order() -> None:
    assert parse_version("1.10.0") > parse_version("1.9.0")
    assert [str(v) for v in sort_versions(["1.10.0", "1.9.0", "0.0.1", "1.9.10", "1.9.2"])] == [
        "0.0.1",
        "1.9.0",
        "1.9.2",
        "1.9.10",
        "1.10.0",
    ]


def test_leading_zeros_compare_as_numbers_but_keep_their_text() -> None:
    v = parse_version("2026.0105.0")
    assert (v.major, v.minor, v.patch) == (2026, 105, 0)
    assert str(v) == "2026.0105.0"
    assert parse_version("1.02.3") == parse_version("1.2.3")


@pytest.mark.parametrize(
    "text",
    [
        "1.2",
        "1.2.3.4",
        "v1.2.3",
        "1.-2.3",
        "",
        "1..3",
        "1.2.2147483648",
        " 1.2.3",
        "1.2.3\n",  # `$` also matches before a final newline
        "\u0661.2.3",  # ARABIC-INDIC DIGIT ONE: `\d` matches digits of every script
        "1.\uff12.3",  # FULLWIDTH DIGIT TWO
    ],
)
def test_bad_names_are_refused_with_a_hint(text: str) -> None:
    with pytest.raises(VersionError) as caught:
        parse_version(text)
    assert "e.g. 1.2.3" in caught.value.hint


def test_largest_int32_is_fine() -> None:
    assert parse_version(f"{INT32_MAX}.0.0").major == INT32_MAX


@given(versions, versions)
def test_order_matches_tuple_order(a: Version, b: Version) -> None:
    assert (a < b) == ((a.major, a.minor, a.patch) < (b.major, b.minor, b.patch))
    assert parse_version(str(a)) == a


@given(st.lists(versions, max_size=20))
def test_sorting_is_a_total_numeric_order(vs: list[Version]) -> None:
    ordered = sort_versions(str(v) for v in vs)
    keys = [(v.major, v.minor, v.patch) for v in ordered]
    assert keys == sorted(keys)


def test_next_patch_and_minor() -> None:
    existing = ["1.9.0", "1.10.2", "1.10.10"]
    assert str(next_version(VersionStrategy.NEXT_PATCH, existing, now=NOW)) == "1.10.11"
    assert str(next_version(VersionStrategy.NEXT_MINOR, existing, now=NOW)) == "1.11.0"
    assert str(next_version(VersionStrategy.NEXT_PATCH, [], now=NOW)) == "1.0.0"
    assert str(next_version(VersionStrategy.NEXT_MINOR, [], now=NOW)) == "1.0.0"


def test_date_strategy_counts_builds_of_the_day() -> None:
    assert str(next_version(VersionStrategy.DATE, [], now=NOW)) == "2026.0105.0"
    existing = ["2026.0105.0", "2026.105.1", "2026.0104.7"]
    assert str(next_version(VersionStrategy.DATE, existing, now=NOW)) == "2026.0105.2"
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert str(next_version(VersionStrategy.DATE, existing, now=late)) == "2026.1231.0"


def test_explicit_name_is_never_reused_even_with_other_spelling() -> None:
    with pytest.raises(VersionError) as caught:
        next_version(VersionStrategy.EXPLICIT, ["1.2.3"], now=NOW, explicit="1.02.3")
    assert "already exists" in str(caught.value)
    assert next_version(VersionStrategy.EXPLICIT, ["1.2.3"], now=NOW, explicit="1.2.4") == Version(
        1, 2, 4
    )
    with pytest.raises(VersionError):
        next_version(VersionStrategy.EXPLICIT, [], now=NOW)


def test_overflow_is_refused() -> None:
    with pytest.raises(VersionError, match="past"):
        next_version(VersionStrategy.NEXT_PATCH, [f"1.2.{INT32_MAX}"], now=NOW)


@given(st.lists(versions, max_size=10), st.sampled_from(list(VersionStrategy)[1:]))
def test_generated_names_are_new_and_parse(vs: list[Version], strategy: VersionStrategy) -> None:
    existing = [str(v) for v in vs]
    try:
        chosen = next_version(strategy, existing, now=NOW)
    except VersionError:
        return  # only on int32 overflow
    assert chosen not in set(vs)
    assert parse_version(str(chosen)) == chosen
    if strategy is not VersionStrategy.DATE and vs:
        assert chosen > max(vs)  # next_* always becomes the highest version
