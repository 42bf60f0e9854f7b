"""The bundled plan config/plans/kalundborg-2021.yaml against its seed text.

The plan is a transcription of Kalundborg Kommune's "Beskæftigelsesplan 2021". These tests
check it validates, that its counts match the seed's structure, that its Danish wording is
the seed's own, and that its budget table equals the seed's, parsed here independently.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from goaltrack.planfile.schema import PlanFile

PLAN_PATH = Path(__file__).parents[1] / "config" / "plans" / "kalundborg-2021.yaml"
SEED_NAME = "000_0863a4d303067c74.txt"
SEED_PATH = Path(__file__).parents[2] / "shared" / "seeds" / SEED_NAME

# A Danish amount as the seed prints it: "." as thousands separator, "-" for negatives.
_AMOUNT = r"-?\d{1,3}(?:\.\d{3})*"
_ACCOUNT_ROW = re.compile(rf"^\s*(\d{{6}}) (.+?) ({_AMOUNT}) ({_AMOUNT})\s*$", re.MULTILINE)
_TOTAL_ROW = re.compile(rf"^\s*I alt\s+({_AMOUNT}) ({_AMOUNT})\s*$", re.MULTILINE)


def _amount(text: str) -> int:
    return int(text.replace(".", ""))


def normalise(text: str) -> str:
    """The seed's running text: blank lines gone, line-break hyphenation joined, whitespace collapsed.

    A hyphen that ends a line is a PDF line break when the next line starts with a lower-case
    letter ("ak-" / "tive"); a hyphen before "og" on the same line ("Kontant- og") is real and
    is never at a line end, so it is kept.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    joined = re.sub(r"-\n(?=[a-zæøå])", "", "\n".join(lines))
    return re.sub(r"\s+", " ", joined).strip()


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def data() -> dict:
    with PLAN_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def plan(data: dict) -> PlanFile:
    return PlanFile.model_validate(data)


@pytest.fixture(scope="module")
def seed_raw() -> str:
    if not SEED_PATH.is_file():
        pytest.skip(f"seed text {SEED_PATH} is not available")
    return SEED_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed(seed_raw: str) -> str:
    return normalise(seed_raw)


@pytest.fixture(scope="module")
def seed_budget(seed_raw: str) -> dict[str, tuple[str, int, int]]:
    rows = {
        code: (collapse(name), _amount(b2020), _amount(b2021))
        for code, name, b2020, b2021 in _ACCOUNT_ROW.findall(seed_raw)
    }
    assert rows, "no budget rows found in the seed"
    return rows


def _all_links(plan: PlanFile) -> list[tuple[str, object]]:
    """Every link in the plan, with a label saying where it sits."""
    links: list[tuple[str, object]] = []
    for fa in plan.focus_areas:
        links += [(f"{fa.code}.strategic_areas", link) for link in fa.strategic_areas]
        links += [(f"{fa.code}.national_goals", link) for link in fa.national_goals]
    for ini in plan.initiatives:
        links += [(f"{ini.code}.national_goals", link) for link in ini.national_goals]
        links += [(f"{ini.code}.target_groups", link) for link in ini.target_groups]
    for acc in plan.accounts:
        links += [(f"account {acc.code}", link) for link in acc.links]
    for ind in plan.indicators:
        links += [(f"indicator {ind.code}", link) for link in ind.measures]
    return links


# --------------------------------------------------------------------------- validity


def test_plan_validates(plan: PlanFile) -> None:
    assert plan.goaltrack == 1


def test_header(plan: PlanFile) -> None:
    header = plan.plan
    assert header.slug == "kalundborg-2021"
    assert header.title == "Beskæftigelsesplan 2021"
    assert header.organisation == "Kalundborg Kommune"
    assert header.years == [2021]
    assert (header.language, header.currency) == ("da", "DKK")
    assert (header.amount_unit, header.amount_scale) == ("1000 DKK", 1000)
    assert header.source is not None
    assert header.source.reference == SEED_NAME
    assert header.synthetic is False


def test_file_header_names_the_seed() -> None:
    head = PLAN_PATH.read_text(encoding="utf-8").split("\ngoaltrack:", 1)[0]
    assert SEED_NAME in head
    assert "inferred" in head


def test_codes_unique_and_references_resolve(plan: PlanFile) -> None:
    kinds = {
        "national_goal": [g.code for g in plan.national_goals],
        "focus_area": [fa.code for fa in plan.focus_areas],
        "target_group": [tg.code for tg in plan.target_groups],
        "initiative": [i.code for i in plan.initiatives],
        "account": [a.code for a in plan.accounts],
        "indicator": [i.code for i in plan.indicators],
    }
    for kind, codes in kinds.items():
        duplicates = [c for c, n in Counter(codes).items() if n > 1]
        assert not duplicates, f"duplicate {kind} codes: {duplicates}"
    known = {kind: set(codes) for kind, codes in kinds.items()}
    strategic = {fa.code for fa in plan.focus_areas if fa.level == "strategic"}

    for fa in plan.focus_areas:
        assert {link.ref for link in fa.strategic_areas} <= strategic
        assert {link.ref for link in fa.national_goals} <= known["national_goal"]
    for ini in plan.initiatives:
        assert ini.focus_area is None or ini.focus_area in known["focus_area"]
        assert {link.ref for link in ini.national_goals} <= known["national_goal"]
        assert {link.ref for link in ini.target_groups} <= known["target_group"]
    for acc in plan.accounts:
        for link in acc.links:
            kind, ref = link.target
            assert ref in known[kind], f"account {acc.code} links to unknown {kind} {ref}"
    for ind in plan.indicators:
        for link in ind.measures:
            kind, ref = link.target
            assert ref in known[kind], f"indicator {ind.code} measures unknown {kind} {ref}"


# --------------------------------------------------------------------------- budget


def test_accounts_equal_seed_table(plan: PlanFile, seed_budget: dict) -> None:
    assert len(seed_budget) == 18
    assert len(plan.accounts) == 18
    assert [a.code for a in plan.accounts] == list(seed_budget)
    for acc in plan.accounts:
        name, b2020, b2021 = seed_budget[acc.code]
        assert acc.name == name
        amounts = {(line.year, line.kind): line.amount for line in acc.budget}
        assert amounts == {(2020, "budget"): b2020, (2021, "budget"): b2021}, acc.code


def test_account_codes_are_strings(data: dict) -> None:
    for acc in data["accounts"]:
        assert isinstance(acc["code"], str) and re.fullmatch(r"\d{6}", acc["code"])
        for line in acc["budget"]:
            assert isinstance(line["amount"], int), (acc["code"], line)


def test_declared_totals_as_printed(plan: PlanFile, seed_raw: str, seed_budget: dict) -> None:
    match = _TOTAL_ROW.search(seed_raw)
    assert match is not None, "no 'I alt' line in the seed"
    printed = {2020: _amount(match.group(1)), 2021: _amount(match.group(2))}
    assert printed == {2020: 492697, 2021: 540225}

    totals = {t.year: t for t in plan.declared_totals}
    assert set(totals) == {2020, 2021}
    for year, total in totals.items():
        assert total.label == "I alt"
        assert total.kind == "budget"
        assert total.amount == printed[year]
        assert total.source is not None
        assert total.source.title == "INDSATS OG YDELSESBUDGET (i hele tusinde kroner)"
        assert total.source.title in collapse(seed_raw)

    row_sums = {
        2020: sum(b2020 for _, b2020, _ in seed_budget.values()),
        2021: sum(b2021 for _, _, b2021 in seed_budget.values()),
    }
    assert row_sums == {2020: 492699, 2021: 540226}
    # The printed total is kept as printed, never "fixed" to the row sum.
    assert row_sums[2020] - totals[2020].amount == 2
    assert row_sums[2021] - totals[2021].amount == 1


def test_no_invented_shares(plan: PlanFile) -> None:
    assert all(link.share is None for acc in plan.accounts for link in acc.links)


# --------------------------------------------------------------------------- structure


def test_national_goals(plan: PlanFile) -> None:
    goals = plan.national_goals
    assert [g.code for g in goals] == ["NG1", "NG2", "NG3", "NG4", "NG5"]
    assert [g.code for g in goals if g.new] == ["NG1", "NG2"]
    assert [g.continued_from for g in goals] == [None, None, 2020, 2020, 2020]
    assert all(g.issuer == "Beskæftigelsesministeren" and g.years == [2021] for g in goals)
    assert goals[4].title.endswith("arbejdskraft.")


def test_focus_area_counts(plan: PlanFile) -> None:
    strategic = [fa for fa in plan.focus_areas if fa.level == "strategic"]
    annual = [fa for fa in plan.focus_areas if fa.level == "annual"]
    assert [fa.code for fa in strategic] == ["SF1", "SF2", "SF3"]
    assert all(fa.years == [2018, 2019, 2020, 2021] for fa in strategic)
    assert [fa.code for fa in annual] == ["FA1", "FA2", "FA3", "FA4", "FA5"]
    assert all(fa.years == [2021] for fa in annual)
    assert [len(fa.priorities) for fa in annual] == [6, 3, 4, 3, 4]
    assert all(fa.title.startswith("Fokus i ") for fa in annual)


def test_initiative_counts(plan: PlanFile) -> None:
    per_area = Counter(i.focus_area for i in plan.initiatives)
    assert per_area == {"FA1": 5, "FA2": 4, "FA3": 5, "FA4": 4, "FA5": 4, None: 1}
    for ini in plan.initiatives:
        if ini.focus_area:
            assert re.fullmatch(rf"{ini.focus_area}-T\d", ini.code)
        assert ini.owner == "Jobcenter Kalundborg"
        assert ini.status is None

    (preamble,) = [i for i in plan.initiatives if i.focus_area is None]
    assert "oplevelse af samarbejdet med Jobcentret" in preamble.title
    assert [(link.ref, link.basis) for link in preamble.national_goals] == [("NG1", "explicit")]
    dated = [i.code for i in plan.initiatives if i.start or i.end]
    assert dated == [preamble.code]


def test_texts_appear_in_seed(plan: PlanFile, seed: str) -> None:
    texts = [g.title for g in plan.national_goals]
    for fa in plan.focus_areas:
        texts += [fa.title, *fa.priorities]
    texts += [i.title for i in plan.initiatives]
    assert len(texts) == 5 + 8 + 20 + 23
    missing = [t for t in texts if collapse(t) not in seed]
    assert not missing, f"not in the seed: {missing}"


def test_hyphenation_joined_and_typos_kept(plan: PlanFile) -> None:
    everything = " ".join(
        [fa.title for fa in plan.focus_areas]
        + [p for fa in plan.focus_areas for p in fa.priorities]
        + [i.title for i in plan.initiatives]
    )
    for joined in ("aktive tilbud", "løntilskudsjob", "uddannelse/ungdomsuddannelse"):
        assert joined in everything
    assert "- " not in everything.replace("rekrutterings- og", "")
    for typo in (
        "Virksomhedernes skal",
        "’impowerment’",
        "Jobcentres service",
        "”Sammen med familien”",
    ):
        assert typo in everything


# --------------------------------------------------------------------------- links


def test_every_link_has_basis_and_reason(plan: PlanFile, seed: str) -> None:
    links = _all_links(plan)
    assert links
    for where, link in links:
        assert link.basis in ("explicit", "inferred"), where
        if link.basis == "inferred":
            assert link.note, f"inferred link without a note at {where}"
        else:
            assert link.quote, f"explicit link without a quote at {where}"
            assert collapse(link.quote) in seed, f"quote at {where} is not in the seed"


def test_account_links_are_inferred(plan: PlanFile) -> None:
    for acc in plan.accounts:
        assert acc.links, acc.code
        assert all(link.basis == "inferred" and link.note for link in acc.links), acc.code


def test_focus_area_link_basis(plan: PlanFile) -> None:
    areas = {fa.code: fa for fa in plan.focus_areas}
    strategic = {
        code: {(link.ref, link.basis) for link in fa.strategic_areas}
        for code, fa in areas.items()
        if fa.level == "annual"
    }
    assert strategic == {
        "FA1": {("SF1", "explicit")},
        "FA2": {("SF2", "inferred")},
        "FA3": {("SF3", "explicit")},
        "FA4": set(),
        "FA5": {("SF2", "explicit")},
    }
    explicit_goals = {
        code: {link.ref for link in fa.national_goals if link.basis == "explicit"}
        for code, fa in areas.items()
        if fa.level == "annual"
    }
    assert explicit_goals == {
        "FA1": set(),
        "FA2": {"NG2", "NG5"},
        "FA3": {"NG4"},
        "FA4": {"NG3"},
        "FA5": {"NG2", "NG5"},
    }


# --------------------------------------------------------------------------- indicators


def _danish(value: float) -> str:
    magnitude = abs(value)
    if magnitude == int(magnitude):
        return str(int(magnitude))
    return f"{magnitude:g}".replace(".", ",")


def test_every_measurement_has_a_source(plan: PlanFile) -> None:
    measurements = [m for ind in plan.indicators for m in ind.measurements]
    assert measurements
    assert all(m.source is not None and m.source.title for m in measurements)


def test_no_baselines_or_targets(plan: PlanFile) -> None:
    for ind in plan.indicators:
        assert ind.baseline is None and ind.target is None and ind.target_range is None, ind.code


def test_section2_figures_are_in_the_seed(plan: PlanFile, seed: str) -> None:
    measured = [ind for ind in plan.indicators if ind.measurements]
    assert len(measured) == 13
    values = 0
    for ind in measured:
        assert len(ind.measurements) == 1, ind.code
        assert ind.direction is None and not ind.measures, ind.code
        (m,) = ind.measurements
        if m.value is None:
            continue
        values += 1
        number = _danish(m.value)
        pattern = (
            rf"(?<![\d,]){re.escape(number)} pct\."
            if ind.unit == "pct"
            else (rf"(?<![\d,]){re.escape(number)}(?![\d,])")
        )
        assert re.search(pattern, seed), f"{ind.code}: {number} is not in the seed"
    assert values == 11


def test_section2_periods_and_kinds(plan: PlanFile) -> None:
    by_code = {ind.code: ind for ind in plan.indicators}
    kalundborg = by_code["ledighed-stigning-kalundborg"].measurements[0]
    assert (kalundborg.period, kalundborg.value, kalundborg.kind) == (
        "2020-03-08/2020-10-18",
        5.8,
        "observed",
    )
    assert kalundborg.source is not None and kalundborg.source.title == "Jobindsats.dk"

    labour_force = by_code["arbejdsstyrke-aendring-kalundborg"].measurements[0]
    assert (labour_force.period, labour_force.value, labour_force.kind) == (
        "2020-12-31/2021-12-31",
        -0.4,
        "forecast",
    )
    since_2019 = by_code["bruttoledighed-aendring-fra-ultimo-2019-kalundborg"].measurements[0]
    assert (since_2019.period, since_2019.value, since_2019.kind) == (
        "2019-12-31/2021-12-31",
        18.2,
        "forecast",
    )
    employed = by_code["beskaeftigede-aendring-kalundborg"].measurements[0]
    assert employed.value is None and employed.kind == "forecast"
    assert employed.missing is not None and "stort set uændret" in employed.missing

    jobs = by_code["chr-hansen-nye-arbejdspladser"]
    assert jobs.unit == "jobs"
    assert (jobs.measurements[0].period, jobs.measurements[0].value) == ("2023", 100)
    assert jobs.measurements[0].kind == "forecast"

    odsherred = by_code["tilmeldte-stigning-odsherred"]
    assert odsherred.definition is not None and "antal tilmeldte" in odsherred.definition
    assert all(ind.area for ind in plan.indicators if ind.measurements)


def test_national_goal_indicators(plan: PlanFile) -> None:
    goal_indicators = [ind for ind in plan.indicators if ind.measures]
    measured_goals = {
        link.national_goal for ind in goal_indicators for link in ind.measures if link.national_goal
    }
    assert measured_goals == {"NG1", "NG2", "NG3", "NG4", "NG5"}
    for ind in goal_indicators:
        assert ind.direction is not None, ind.code
        assert not ind.measurements, ind.code
        assert ind.source is not None and ind.source.reference, ind.code
    by_code = {ind.code: ind for ind in goal_indicators}
    assert by_code["MM13"].direction == "increase" and by_code["MM13"].unit == "pct"
    assert by_code["MM17"].direction == "increase" and by_code["MM17"].unit == "pct"
    assert by_code["forgaeves-rekrutteringer"].direction == "decrease"
    experience = by_code["oplevelse-af-samarbejdet"]
    assert {(link.target, link.basis) for link in experience.measures} == {
        (("initiative", "LS-T1"), "explicit"),
        (("national_goal", "NG1"), "inferred"),
    }
