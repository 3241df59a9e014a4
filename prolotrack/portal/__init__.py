"""Patient-facing pages: the home questionnaire opened from an emailed link.

A plain module, not a Django app: its templates live in `prolotrack/web/templates/portal/`.
"""
