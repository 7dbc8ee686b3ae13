"""Figures for the docs (matplotlib, Agg backend, PNG)."""
