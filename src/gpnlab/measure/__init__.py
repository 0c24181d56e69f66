"""GVC measurement on inter-country input-output tables (MODEL.md section 2).

One module per indicator family: :mod:`leontief` (inverses), :mod:`kww`, :mod:`borin_mancini`,
:mod:`wwz`, :mod:`miroudot_ye` (export decompositions), :mod:`bm_perspectives`
(Borin-Mancini world, exporter, sector / bilateral / self perimeters, VAXIM, imports),
:mod:`production_gvc` (Wang, Wei, Yu & Zhu 2017 production-based participation, production
length and GVC position), :mod:`tiva` (value added in final demand, VAX, vertical
specialisation), :mod:`oecd_tiva` (the OECD TiVA indicator set), :mod:`va_origin` (value added
by origin in gross exports; WWZ-to-KWW aggregation), :mod:`position` (upstreamness,
downstreamness), :mod:`linkages` (Rasmussen-Hirschman), :mod:`groups` and :mod:`panel` (groups
of countries or sectors; one table per year), :mod:`structural_change` (McMillan-Rodrik).
:func:`measure_all` runs the full set once.
"""

from gpnlab.measure.blocks import ExportAccounts
from gpnlab.measure.bm_perspectives import (
    APPROACHES,
    IMPORT_TERMS,
    PERIMETER_TERMS,
    PERSPECTIVES,
    bm_decomposition,
    imports_decomposition,
)
from gpnlab.measure.borin_mancini import BM_TERMS, SINK_TERMS, bm_sink, bm_source
from gpnlab.measure.indicators import Indicators, measure_all
from gpnlab.measure.kww import KWW_TERMS, kww
from gpnlab.measure.leontief import ghosh, leontief, leontief_system
from gpnlab.measure.linkages import linkage_indices
from gpnlab.measure.miroudot_ye import (
    MY_TERMS,
    MY_WORLD_TERMS,
    miroudot_ye,
    miroudot_ye_perimeter,
)
from gpnlab.measure.oecd_tiva import (
    SHARE_INDICATORS,
    TIVA_INDICATORS,
    oecd_exvadec,
    tiva_indicators,
    tiva_wide,
)
from gpnlab.measure.position import downstreamness, upstreamness
from gpnlab.measure.production_gvc import production_participation
from gpnlab.measure.structural_change import structural_change
from gpnlab.measure.tiva import value_added_in_final_demand, value_added_trade_matrix, vax_and_vs
from gpnlab.measure.va_origin import WWZ_TO_KWW, va_origin, wwz_to_kww
from gpnlab.measure.wwz import WWZ_TERMS, wwz

__all__ = [
    "APPROACHES",
    "IMPORT_TERMS",
    "PERIMETER_TERMS",
    "PERSPECTIVES",
    "BM_TERMS",
    "SINK_TERMS",
    "KWW_TERMS",
    "MY_TERMS",
    "MY_WORLD_TERMS",
    "SHARE_INDICATORS",
    "TIVA_INDICATORS",
    "WWZ_TERMS",
    "WWZ_TO_KWW",
    "ExportAccounts",
    "Indicators",
    "bm_decomposition",
    "bm_sink",
    "bm_source",
    "downstreamness",
    "ghosh",
    "imports_decomposition",
    "kww",
    "leontief",
    "leontief_system",
    "linkage_indices",
    "measure_all",
    "miroudot_ye",
    "miroudot_ye_perimeter",
    "oecd_exvadec",
    "production_participation",
    "structural_change",
    "tiva_indicators",
    "tiva_wide",
    "upstreamness",
    "va_origin",
    "value_added_in_final_demand",
    "value_added_trade_matrix",
    "vax_and_vs",
    "wwz",
    "wwz_to_kww",
]
