from __future__ import annotations

import json
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goaltrack.errors import DataError
from goaltrack.values.accounts import (
    ACCOUNT_CODE_HELP,
    AccountCode,
    chart_names,
    chart_of_accounts,
    parse_account_code,
    percent_change,
)

# The 18 budget lines of the seed (domain notes §1.8): code, dotted form, B2020, B2021.
SEED = [
    ("054660", "5.46.60", 7332, 7133),
    ("054661", "5.46.61", 11640, 10788),
    ("054665", "5.46.65", -95, -96),
    ("055771", "5.57.71", 67639, 69321),
    ("055772", "5.57.72", 1399, 1486),
    ("055773", "5.57.73", 95575, 105210),
    ("055774", "5.57.74", 0, 0),
    ("055778", "5.57.78", 75343, 106652),
    ("055880", "5.58.80", 5674, 4549),
    ("055881", "5.58.81", 77147, 77495),
    ("055882", "5.58.82", 54143, 53411),
    ("055883", "5.58.83", 32567, 40975),
    ("056890", "5.68.90", 53021, 53776),
    ("056891", "5.68.91", 3417, 0),
    ("056894", "5.68.94", 1411, 3772),
    ("056895", "5.68.95", 1280, 1168),
    ("056897", "5.68.97", 2813, 2048),
    ("056898", "5.68.98", 2393, 2538),
]


def test_parse_six_digits() -> None:
    account = parse_account_code("055771")
    assert account == AccountCode("055771", 5, 57, 71)
    assert account.dotted == "5.57.71"
    assert account.hovedkonto_code == "05"
    assert account.hovedfunktion_code == "57"
    assert account.funktion_code == "71"
    assert account.hovedfunktion_dotted == "5.57"
    assert str(account) == "055771"


@pytest.mark.parametrize("text", ["055771", "05.57.71", "5.57.71", " 055771 ", "\t5.57.71\n"])
def test_accepted_forms_agree(text: str) -> None:
    assert parse_account_code(text) == AccountCode("055771", 5, 57, 71)


def test_other_hovedkonti() -> None:
    assert parse_account_code("03.30.44").code == "033044"
    assert parse_account_code("002201").dotted == "0.22.01"


@pytest.mark.parametrize(("code", "dotted", "_b2020", "_b2021"), SEED)
def test_seed_codes(code: str, dotted: str, _b2020: int, _b2021: int) -> None:
    account = parse_account_code(code)
    assert account.dotted == dotted
    assert parse_account_code(dotted) == account
    assert parse_account_code("0" + dotted) == account
    assert account.hovedkonto == 5


def test_seed_has_18_codes_in_four_hovedfunktioner() -> None:
    accounts = [parse_account_code(code) for code, *_ in SEED]
    assert len(set(accounts)) == 18
    assert {a.hovedfunktion for a in accounts} == {46, 57, 58, 68}


def test_codes_sort_by_code() -> None:
    codes = ["056898", "054660", "055771"]
    assert [a.code for a in sorted(map(parse_account_code, codes))] == sorted(codes)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "55771",
        "0557710",
        "155771",  # hovedkonti run 0-9, so the padded form starts with 0
        "5577",
        "5.57.7",
        "5.5.71",
        "15.57.71",
        "005.57.71",
        "5-57-71",
        "5 57 71",
        "05577a",
        "5.57.71.",
        "N/A",
        "٠٥٥٧٧١",  # Arabic-Indic digits
    ],
)
def test_refused(text: str) -> None:
    with pytest.raises(DataError) as info:
        parse_account_code(text)
    assert str(info.value) == f"{ACCOUNT_CODE_HELP}, got {text!r}"


@pytest.mark.parametrize("value", [55771, None, 5.5771])
def test_refused_non_text(value: object) -> None:
    with pytest.raises(DataError, match="account code must be 6 digits"):
        parse_account_code(value)  # type: ignore[arg-type]


@given(st.text())
def test_arbitrary_text_parses_or_raises_data_error(text: str) -> None:
    try:
        account = parse_account_code(text)
    except DataError:
        return
    assert parse_account_code(account.dotted) == account


# ----------------------------------------------------------------------------- chart names


def test_chart_names() -> None:
    assert chart_names("055771") == (
        "Sociale opgaver og beskæftigelse",
        "Kontante ydelser",
        "Sygedagpenge",
    )
    assert chart_names("5.46.65") == (
        "Sociale opgaver og beskæftigelse",
        "Tilbud til udlændinge",
        "Repatriering",
    )
    assert chart_names(parse_account_code("056898"))[1:] == (
        "Arbejdsmarkedsforanstaltninger",
        "Beskæftigelsesordninger",
    )
    assert chart_names("055880")[1] == "Revalidering"


def test_chart_names_unknown_parts_are_none() -> None:
    assert chart_names("5.57.99") == ("Sociale opgaver og beskæftigelse", "Kontante ydelser", None)
    assert chart_names("03.30.44") == (None, None, None)


def test_chart_names_refuses_bad_codes() -> None:
    with pytest.raises(DataError):
        chart_names("5.57")


def test_chart_covers_every_seed_code() -> None:
    for code, *_ in SEED:
        names = chart_names(code)
        assert all(names), code


def test_chart_file_shape() -> None:
    text = (
        resources.files("goaltrack").joinpath("data", "chart_of_accounts.json").read_text("utf-8")
    )
    chart = json.loads(text)
    assert chart is not chart_of_accounts()  # the loaded copy is cached, not re-read
    assert chart == chart_of_accounts()
    assert "domain notes" in chart["_source"] and "STAR" in chart["_source"]
    assert len(chart["funktioner"]) == 18
    for section in ("hovedkonti", "hovedfunktioner", "funktioner"):
        for key, entry in chart[section].items():
            assert entry["name"].strip(), key
            assert entry["status"] in {"verified", "corroborated", "inferred"}, key
            assert entry["source"].strip(), key
    for key in chart["funktioner"]:
        assert parse_account_code(key).dotted == key
    assert chart["funktioner"]["5.58.83"]["status"] == "inferred"
    assert chart["funktioner"]["5.57.78"]["status"] == "verified"


def test_chart_is_loaded_once() -> None:
    assert chart_of_accounts() is chart_of_accounts()


# ----------------------------------------------------------------------------- percent change


def pct(old: float, new: float) -> float | None:
    change = percent_change(old, new)
    return None if change is None else round(change, 1)


def test_percent_change_on_seed_figures() -> None:
    assert pct(75343, 106652) == 41.6  # 055778
    assert pct(-95, -96) is None  # 054665: a negative base has no percentage (issue 13)
    assert pct(3417, 0) == -100.0  # 056891
    assert percent_change(0, 0) is None  # 055774
    assert pct(1411, 3772) == 167.3  # 056894
    assert percent_change(492697, 540225) == pytest.approx(9.6465, abs=1e-4)


@pytest.mark.parametrize(("code", "_dotted", "b2020", "b2021"), SEED)
def test_percent_change_matches_domain_table(
    code: str, _dotted: str, b2020: int, b2021: int
) -> None:
    expected = {
        "054660": -2.7, "054661": -7.3, "054665": None, "055771": 2.5, "055772": 6.2,
        "055773": 10.1, "055774": None, "055778": 41.6, "055880": -19.8, "055881": 0.5,
        "055882": -1.4, "055883": 25.8, "056890": 1.4, "056891": -100.0, "056894": 167.3,
        "056895": -8.8, "056897": -27.2, "056898": 6.1,
    }  # fmt: skip
    assert pct(b2020, b2021) == expected[code]


def test_percent_change_never_raises() -> None:
    assert percent_change(0, 5) is None
    assert percent_change(0.0, -5) is None
    assert percent_change(float("nan"), 5) is None
    assert percent_change(5, float("inf")) is None
    assert percent_change(-100, -50) is None  # a negative base: no percentage (issue 13)
    assert percent_change(-100, 100) is None
    assert percent_change(100, -100) == -200.0


@given(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True),
)
def test_percent_change_sign_follows_the_difference(old: float, new: float) -> None:
    change = percent_change(old, new)
    if change is None:
        return
    if new > old:
        assert change >= 0
    elif new < old:
        assert change <= 0
