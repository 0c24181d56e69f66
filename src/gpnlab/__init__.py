"""gpnlab: global production networks, knowledge diffusion and industrial upgrading.

Two halves share one bridge type, :class:`gpnlab.table.IOTable`:

* ``gpnlab.measure`` computes GVC indicators from inter-country input-output tables;
* ``gpnlab.simulate`` (forthcoming) emits such tables from a firm-level network model.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gpnlab")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

from gpnlab.errors import InputError
from gpnlab.table import IOTable

__all__ = ["IOTable", "InputError", "__version__"]
