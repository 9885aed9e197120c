"""Checklists (一次性告知) and missing-documents notices live here."""
