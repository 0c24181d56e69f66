"""Shared input checks of the metric functions (one-line :class:`~gpnlab.errors.InputError`)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from gpnlab.errors import InputError


def as_list(by: str | Sequence[str] | None) -> list[str]:
    """Group-by columns as a list (``None`` -> no grouping)."""
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def require_columns(df: pd.DataFrame, columns: Sequence[str | None], *, where: str) -> None:
    """Raise :class:`InputError` naming the columns of ``columns`` that ``df`` lacks."""
    missing = [c for c in columns if c is not None and c not in df.columns]
    if missing:
        raise InputError(
            f"missing columns {missing}",
            where=where,
            field=",".join(missing),
            fix=f"give a frame with columns {[c for c in columns if c is not None]}",
        )
