"""Shared fixtures, and the rule that CI never passes by skipping.

With ``REQUIRE_BROWSER=1`` or ``REQUIRE_POSTGIS=1`` (both set by ``.ci/run``) a
skipped test is reported as a failure: a browser test that cannot find Chromium,
or a PostGIS test that cannot reach its server, must not turn CI green.
"""

from __future__ import annotations

import os

import pytest
from pdfbytes import pdf_from_objects

from layers.admin import Reference, load_reference
from layers.placenames import PlaceIndex


def _skips_forbidden() -> bool:
    return os.environ.get("REQUIRE_BROWSER") == "1" or os.environ.get("REQUIRE_POSTGIS") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _skips_forbidden() and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = (
            f"skipped, but REQUIRE_BROWSER/REQUIRE_POSTGIS forbid skips: {report.longrepr}"
        )


@pytest.fixture(scope="session")
def reference() -> Reference:
    """The prepared reference geography (built once, then read from build/)."""
    return load_reference()


@pytest.fixture(scope="session")
def place_index(reference: Reference) -> PlaceIndex:
    return PlaceIndex.from_tables(reference.units, reference.former_names)


def pdf_with_text(text: str) -> bytes:
    """A one-page PDF whose text layer holds ``text`` (Chinese included).

    The font is a Type0 font with an identity ToUnicode map, so a text extractor
    reads each 2-byte code as its Unicode character. No glyphs are embedded: it
    is made to be read, not printed, like the text layer of a scanned-and-OCRed
    plan.
    """
    codes = "".join(f"{ord(c):04X}" for c in text)
    stream = f"BT /F1 12 Tf 72 720 Td <{codes}> Tj ET".encode("ascii")
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        b"/CMapName /Identity-UCS def /CMapType 2 def\n"
        b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        b"1 beginbfrange <0000> <FFFF> <0000> endbfrange\n"
        b"endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H"
        b" /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap),
    ]
    return pdf_from_objects(objects)


@pytest.fixture
def make_pdf():
    """Factory for small Chinese PDFs with a text layer (see :func:`pdf_with_text`)."""
    return pdf_with_text


@pytest.fixture(scope="session")
def gazetteer(reference: Reference, place_index: PlaceIndex):
    """The curated gazetteer of geodata/gazetteer, validated."""
    from layers.gazetteer import load_gazetteer

    counties = reference.units[reference.units["level"] == "county"]
    return load_gazetteer(places=place_index, counties=counties)


@pytest.fixture(scope="session")
def geocoder(reference: Reference, place_index: PlaceIndex, gazetteer):
    from layers.geocode import Geocoder
    from layers.localities import load_localities

    return Geocoder(place_index, reference.units, reference.seats, gazetteer, load_localities())


@pytest.fixture(scope="session")
def corpus_tables(geocoder):
    """The five corpus documents, extracted, resolved and geocoded (once per session)."""

    from layers.assemble import tables_from_documents
    from layers.corpus import iter_documents

    return tables_from_documents(iter_documents(), geocoder=geocoder)


@pytest.fixture
def postgis_dsn():
    """A PostGIS store DSN in a fresh schema (``?schema=``), dropped afterwards.

    The server comes from PORTAL_TEST_DSN (``.ci/run`` starts one and sets it).
    """
    import uuid
    from urllib.parse import quote

    from sqlalchemy import create_engine, text

    dsn = os.environ.get("PORTAL_TEST_DSN")
    if not dsn:
        pytest.skip("PORTAL_TEST_DSN is not set (no PostGIS server for this run)")
    schema = f"test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in dsn else "?"
    yield f"{dsn}{separator}schema={quote(schema)}"
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()
