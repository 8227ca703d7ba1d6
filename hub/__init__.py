"""Simpul: the inter-agency content hub."""
