"""``gpnlab app``: an interactive app (Solara) over the simulator, the experiment engine and the
measurement code (docs/app.md).

Modules: :mod:`paths` (every file the app opens lies under ``--root``), :mod:`params` (sliders
built from the pydantic config), :mod:`data` (the one adapter to the analysis functions),
:mod:`runner` (runs in a background thread with progress and cancel), :mod:`figures`
(matplotlib), :mod:`pages` (the Solara pages) and :mod:`server` (``gpnlab app``).
"""
