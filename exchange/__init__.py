"""Formats the tracker exchanges with others: schema.org ClaimReview out and in, CSV of the
queue, and the full backup (export_all / import_all)."""
