"""HTML to PDF with WeasyPrint: the same template as the page, with the report stylesheet.

WeasyPrint reads the stylesheet from the static files and fetches nothing else: the charts come
as `data:` URIs (the PDF template puts each chart's SVG in an <img>), and every other URL is
refused, so a report can never make the server fetch a resource from the network or a file.
"""

from __future__ import annotations

from django.contrib.staticfiles import finders

from prolotrack.core.errors import ApplicationError

REPORT_STYLESHEET = "web/report.css"


def html_to_pdf(html: str) -> bytes:
    """The PDF of a rendered report page (print media rules apply)."""
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    path = finders.find(REPORT_STYLESHEET)
    if not isinstance(path, str):
        raise ApplicationError("The report stylesheet is missing.")
    stylesheet = CSS(filename=path)
    only_data = URLFetcher(allowed_protocols={"data"})
    document = HTML(string=html, base_url=None, url_fetcher=only_data)
    pdf = document.write_pdf(stylesheets=[stylesheet])
    if pdf is None:  # only when a target file is given
        raise ApplicationError("The PDF could not be made.")
    return bytes(pdf)
