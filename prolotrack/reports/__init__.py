"""Reports for patients: the progress report (HTML, print and PDF) and its portal page."""
