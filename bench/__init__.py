"""The benchmark: a large customer table, then lookups, issuing, signing, memory and statements.

Run it with `python -m bench` (or `make bench`); `python -m bench --help` lists the options.
"""
