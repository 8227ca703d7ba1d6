"""The contact directory: agencies' offices, posts (PPID, DPO, humas…), holders and contact points.

Layout: ``models`` (what is stored), ``rules`` (how the access policy treats it),
``cleaning`` (input checks shared by the API and the import), ``services``
(every write: policy, validation, audit entry and change event in one
transaction), ``selectors`` (every read, and the ``pdp.read`` log of personal
data), ``exports`` (vCard 4.0, jCard, Popolo JSON, CSV), ``imports`` (CSV/XLSX
files), ``freshness`` (when a contact is stale) and ``demo``.

Settings (read with ``hub.env.env`` when needed): ``HUB_CONTACT_STALE_DAYS``
(180), ``HUB_HOTLINE_STALE_DAYS`` (30, hotline and emergency contacts),
``HUB_CONTACT_IMPORT_MAX_BYTES`` (5 MiB) and ``HUB_CONTACT_IMPORT_MAX_ROWS`` (5000).
"""
