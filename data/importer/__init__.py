"""The T+1 importer: files of the core systems (``docs/IMPORT.md``) → a new store, or
nothing changed and a rejects report.

``stage`` reads the files into text staging tables, ``validate`` (with ``checks`` and
``rejects``) checks them with SQL, ``fill`` builds the store's base tables from them,
``history`` records what a load did; ``run`` holds the load itself and its command line
(``python -m data.load``).
"""
