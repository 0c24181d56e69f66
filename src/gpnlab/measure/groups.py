"""Country and sector groups: predefined lists, ``NAME=CODE,...`` options, how a group is measured.

A country group (say ASEAN) is measured as one exporter of the table aggregated to it
(:meth:`gpnlab.table.IOTable.aggregate`): trade among members becomes domestic, so the group's
gross exports are its exports outside the group. Sums of flows (gross exports, output, value
added, GDP) are then exact group values. Every indicator that goes through a Leontief inverse is
not: the inverse of the aggregated table is not the aggregate of the members' inverse unless the
members' input structures are identical (aggregation bias; Miller & Blair 2009, section 4.3).
:func:`group_notes` says so for each group and shows the size of the bias on one indicator that
can also be computed exactly from the member-level table: the group's value added absorbed
outside the group (its VAX, Johnson & Noguera 2012).

Predefined country lists use ISO 3166-1 alpha-3 codes, as WIOD (2013, 2016), OECD ICIO
(merged CHN, MEX), FIGARO and ADB MRIO write them; members a table lacks are skipped with a note.
Sector groups follow ISIC: a code's division is read from WIOD 2013's ``c1 ... c35`` (ISIC Rev. 3,
Timmer et al. 2015, table A1) or from an ISIC Rev. 4 code as ICIO, WIOD 2016, FIGARO and ADB
write it (``C10T12``, ``D10T12``, ``C10-C12``, ``A01``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np

from gpnlab.errors import InputError
from gpnlab.table import IOTable

# European Union since 1 February 2020 (United Kingdom left), Treaty of Lisbon art. 50;
# Council of the EU, "EU member countries", 2020.
# fmt: off
EU27 = (
    "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN",
    "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP",
    "SWE",
)
# Association of Southeast Asian Nations, ten members since 1999 (ASEAN Secretariat).
ASEAN = ("BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM")
# fmt: on

COUNTRY_GROUPS: dict[str, tuple[str, ...]] = {
    "eu27": EU27,
    # European Union 1 July 2013 - 31 January 2020 (with Croatia and the United Kingdom).
    "eu28": (*EU27, "GBR"),
    # United States-Mexico-Canada Agreement (in force 1 July 2020; NAFTA 1994-2020).
    "usmca": ("USA", "MEX", "CAN"),
    "nafta": ("USA", "MEX", "CAN"),
    "asean": ASEAN,
    # Brazil, Russia, India, China, South Africa (the five members of 2011-2023).
    "brics": ("BRA", "RUS", "IND", "CHN", "ZAF"),
    # Regional Comprehensive Economic Partnership (signed 15 November 2020): ASEAN + 5.
    "rcep": (*ASEAN, "AUS", "CHN", "JPN", "KOR", "NZL"),
}
"""Predefined country groups (ISO3 codes), each with its source and date in the comment."""

CODE_ALIASES: dict[str, tuple[str, ...]] = {"ROU": ("ROM",)}
"""Other codes a table may use for a member: WIOD 2013 writes Romania ``ROM`` (the code
before ISO 3166 changed it to ``ROU`` in 2002)."""

SECTOR_GROUPS: dict[str, tuple[int, int]] = {
    # ISIC divisions (Rev. 4; Rev. 3 divisions map to the same ranges for these groups).
    "primary": (1, 9),  # agriculture, forestry, fishing, mining and quarrying
    "manufacturing": (10, 33),  # ISIC Rev. 4 section C (Rev. 3: divisions 15-37, section D)
    "utilities_construction": (35, 43),  # electricity, gas, water, waste, construction
    "services": (45, 99),  # sections G-U
}
"""Predefined sector groups as ranges of ISIC Rev. 4 divisions."""

# WIOD 2013 release sectors c1..c35 (ISIC Rev. 3) -> predefined sector group (Timmer et al.
# 2015, table A1: c1 agriculture, c2 mining, c3-c16 manufacturing, c17 utilities,
# c18 construction, c19-c35 services).
_WIOD2013 = {
    **{f"c{i}": "primary" for i in (1, 2)},
    **{f"c{i}": "manufacturing" for i in range(3, 17)},
    "c17": "utilities_construction",
    "c18": "utilities_construction",
    **{f"c{i}": "services" for i in range(19, 36)},
}
_ISIC = re.compile(r"^[A-Z]?(\d{2})")
_ISIC_LETTER = re.compile(r"^([A-U])(?:\d|$|[-_ T])")
# ISIC Rev. 4 section letters -> group (for codes written as a bare section, e.g. "F", "G-I").
_SECTIONS = {
    **dict.fromkeys("AB", "primary"),
    "C": "manufacturing",
    **dict.fromkeys("DEF", "utilities_construction"),
    **dict.fromkeys("GHIJKLMNOPQRSTU", "services"),
}


def sector_group(code: str) -> str | None:
    """The predefined group of one sector code, or None if the code names no ISIC division.

    ``c1 ... c35`` are WIOD 2013's sectors. Otherwise the first two digits after an optional
    letter are the ISIC Rev. 4 division (``C10T12`` and ``D10T12`` are 10, ``A01`` is 1); OECD
    ICIO 2016-2021 prefix every code with ``D`` and WIOD 2016 with the section letter, so the
    digits, not the letter, decide. A bare section letter (``F``) decides by itself.
    """
    if code in _WIOD2013:
        return _WIOD2013[code]
    m = _ISIC.match(code)
    if m:
        division = int(m.group(1))
        for name, (lo, hi) in SECTOR_GROUPS.items():
            if lo <= division <= hi:
                return name
        return None
    m = _ISIC_LETTER.match(code)
    return _SECTIONS.get(m.group(1)) if m else None


def parse_group_option(text: str, *, field: str = "--group") -> tuple[str, tuple[str, ...]]:
    """``NAME=CODE,CODE,...`` -> (NAME, codes); one line naming the fix if malformed."""
    name, sep, codes = text.partition("=")
    members = tuple(c.strip() for c in codes.split(",") if c.strip())
    if not sep or not name.strip() or not members:
        raise InputError(
            f"malformed group {text!r}",
            where="command line",
            field=field,
            fix="write NAME=CODE,CODE,... e.g. --group ANDEAN=BOL,COL,ECU,PER",
        )
    return name.strip(), members


def predefined_groups(names: str, *, field: str = "--groups") -> dict[str, tuple[str, ...]]:
    """``eu27,usmca`` -> {"EU27": (...), "USMCA": (...)} from :data:`COUNTRY_GROUPS`."""
    out: dict[str, tuple[str, ...]] = {}
    for raw in names.split(","):
        key = raw.strip().lower()
        if not key:
            continue
        if key not in COUNTRY_GROUPS:
            raise InputError(
                f"unknown predefined group {raw.strip()!r}",
                where="command line",
                field=field,
                fix=f"use some of {', '.join(COUNTRY_GROUPS)} or define one with --group",
            )
        out[key.upper()] = COUNTRY_GROUPS[key]
    return out


def country_mapping(
    table: IOTable, groups: Mapping[str, Sequence[str]], *, strict: Collection[str] = ()
) -> tuple[dict[str, str], list[str]]:
    """Member -> group mapping restricted to the table's countries, and one note per group.

    A member the table lacks is skipped with a note (a predefined list names more countries
    than most tables have); for a group named in ``strict`` (user-defined groups) it is an
    error. A country in
    two groups, a group named like a country it does not contain, or a group with no member in
    the table is refused.
    """
    known = set(table.countries)
    mapping: dict[str, str] = {}
    notes: list[str] = []
    for name, listed in groups.items():
        members = [_in_table(c, known) for c in listed]
        present = [c for c in members if c in known]
        absent = [c for c in members if c not in known]
        if absent and name in strict:
            raise InputError(
                f"group {name}: {', '.join(absent)} not in the table",
                where=table.source,
                field="--group",
                fix=f"use country codes of the table, e.g. {', '.join(table.countries[:6])}",
            )
        if not present:
            raise InputError(
                f"group {name} has no member in the table",
                where=table.source,
                field="--group" if name in strict else "--groups",
                fix=f"the table's countries are {', '.join(table.countries[:8])}...",
            )
        if name in known and name not in present:
            raise InputError(
                f"group name {name} is a country of the table",
                where=table.source,
                field="--group",
                fix="give the group another name",
            )
        for c in present:
            if c in mapping:
                raise InputError(
                    f"{c} is in two groups ({mapping[c]} and {name})",
                    where=table.source,
                    field="--group",
                    fix="make the groups disjoint (measure overlapping groups in separate runs)",
                )
            mapping[c] = name
        if absent:
            notes.append(
                f"group {name}: {len(present)} of {len(members)} members are in the table; "
                f"absent: {', '.join(absent)}"
            )
    return mapping, notes


def _in_table(code: str, known: set[str]) -> str:
    """``code``, or the alias of it that the table uses (:data:`CODE_ALIASES`)."""
    if code in known:
        return code
    return next((a for a in CODE_ALIASES.get(code, ()) if a in known), code)


def sector_mapping(table: IOTable, names: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """Sector -> group mapping for the predefined sector groups asked for (``manufacturing``...)."""
    wanted = [n.strip().lower() for n in names if n.strip()]
    for n in wanted:
        if n not in SECTOR_GROUPS:
            raise InputError(
                f"unknown sector group {n!r}",
                where="command line",
                field="--sector-groups",
                fix=f"use some of {', '.join(SECTOR_GROUPS)}",
            )
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for s in table.sectors:
        g = sector_group(s)
        if g is None:
            unknown.append(s)
        elif g in wanted:
            mapping[s] = g
    notes = []
    if unknown:
        notes.append(
            f"{len(unknown)} sectors name no ISIC division and stay as they are: "
            + ", ".join(unknown[:8])
            + (" ..." if len(unknown) > 8 else "")
        )
    if not mapping:
        raise InputError(
            "no sector of the table falls in the sector groups asked for",
            where=table.source,
            field="--sector-groups",
            fix="check the table's sector codes (WIOD c1..c35 or ISIC Rev. 4 codes)",
        )
    return mapping, notes


def exact_group_vax(table: IOTable, B: np.ndarray, members: Sequence[str]) -> float:
    """Value added of the members absorbed outside the group, from the member-level inverse.

    ``sum_{i in G} v_i (B y_out)_i`` with ``v = va / x`` and ``y_out`` the final demand of
    non-members (Johnson & Noguera 2012's VAX of the group): exact, no aggregation.
    """
    member_set = set(members)
    rows = np.array([c in member_set for c in table.labels.get_level_values(0)])
    outside = np.array([c not in member_set for c in table.fd_labels.get_level_values(0)])
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(table.x > 0, table.va / table.x, 0.0)
    absorbed = B @ table.Y[:, outside].sum(axis=1)
    return float((v * absorbed)[rows].sum())


def group_notes(
    table: IOTable,
    B: np.ndarray,
    groups: Mapping[str, Sequence[str]],
    vax_aggregated: Mapping[str, float],
) -> list[str]:
    """One note per group: which of its values are strict group values, and the bias on VAX."""
    notes = []
    for name, members in groups.items():
        exact = exact_group_vax(table, B, [m for m in members if m in set(table.countries)])
        agg = float(vax_aggregated[name])
        rel = (agg - exact) / exact if exact else float("nan")
        notes.append(
            f"group {name} is measured on the table aggregated to it (trade among members is "
            "domestic): gross_exports, gdp, output and value_added are strict group values; "
            "every indicator through a Leontief inverse (dva, vax, fva, ddc, fdc, gvc_*, kww, "
            "wwz, upstreamness, linkages) is not, because the aggregated inverse is not the "
            f"aggregate of the members' inverse; for VAX the aggregated value is {agg:.6g} "
            f"against {exact:.6g} exactly from the member-level table ({rel:+.2%})"
        )
    return notes
