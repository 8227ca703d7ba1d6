"""Shared agency media: assets, storage backends, uploads, renditions, integrity."""
