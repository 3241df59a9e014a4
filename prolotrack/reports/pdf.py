"""HTML to PDF with WeasyPrint: the same template as the page, with the report stylesheet.

WeasyPrint reads the stylesheet from the static files and fetches nothing else: the charts are
inline SVG in the page, and any other URL is refused, so a report cannot make the server fetch
a resource from the network.
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles import finders

from prolotrack.core.errors import ApplicationError

REPORT_STYLESHEET = "web/report.css"


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the report fetches no resources ({url[:40]})")


def html_to_pdf(html: str) -> bytes:
    """The PDF of a rendered report page (print media rules apply)."""
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]

    path = finders.find(REPORT_STYLESHEET)
    if not isinstance(path, str):
        raise ApplicationError("The report stylesheet is missing.")
    stylesheet = CSS(filename=path)
    document = HTML(string=html, base_url=None, url_fetcher=_no_fetching)
    pdf = document.write_pdf(stylesheets=[stylesheet])
    if pdf is None:  # only when a target file is given
        raise ApplicationError("The PDF could not be made.")
    return bytes(pdf)
