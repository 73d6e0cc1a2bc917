"""Scheduling: slots in local clock time → concrete occurrences in UTC, packing, quiet hours and clashes.

Pure functions live here (no database); ``broadcast.services.placements`` applies them to the tables.
"""
