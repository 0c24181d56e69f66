"""Metrics of the validation battery, one module per fact family.

* :mod:`.verdict` -- summary across seeds (mean, Student-t interval, verdict against a target)
* :mod:`.tails` -- Pareto tail exponents (Hill; Gabaix-Ibragimov rank-1/2)
* :mod:`.links` -- supplier-link survival per year
* :mod:`.decomposition` -- Melitz-Polanec and Foster-Haltiwanger-Krizan decompositions
* :mod:`.structural` -- McMillan-Rodrik within / structural-change decomposition
* :mod:`.concentration` -- geographic concentration by stage (HHI, producing countries)
* :mod:`.smile` -- value added by stage and the smile-curve metric
* :mod:`.requirements` -- capability match to stage requirements
* :mod:`.hazard` -- drop hazard against the capability gap
* :mod:`.channels` -- channels of a change in the DVA share of exports

Import the functions from their modules (``from gpnlab.validate.metrics.tails import hill``).
"""
