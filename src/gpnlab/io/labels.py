"""``COUNTRY_CODE`` labels: the country is the text before the first underscore."""

from __future__ import annotations

from collections.abc import Iterable

from gpnlab.errors import InputError


def split_labels(labels: Iterable[object], *, where: str, field: str) -> list[tuple[str, str]]:
    """Split ``AUS_c1`` into ``("AUS", "c1")``; ``USA_A01_02`` into ``("USA", "A01_02")``."""
    out: list[tuple[str, str]] = []
    for lab in labels:
        text = str(lab).strip()
        country, sep, code = text.partition("_")
        if not sep or not country or not code:
            raise InputError(
                f"label {text!r} is not COUNTRY_CODE",
                where=where,
                field=field,
                fix="label rows COUNTRY_SECTOR (e.g. AUS_c1) and final demand COUNTRY_CATEGORY",
            )
        out.append((country, code))
    return out


def join_labels(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """Inverse of :func:`split_labels`."""
    return [f"{a}_{b}" for a, b in pairs]
