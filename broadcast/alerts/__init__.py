"""Warnings from outside (CAP 1.2 alerts): intake, parsing, the warned area's stations, drafts."""
