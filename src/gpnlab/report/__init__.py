"""Figures and reports (matplotlib, colour-blind-safe palette, readable in print)."""
