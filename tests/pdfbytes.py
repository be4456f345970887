"""A PDF file from its numbered object bodies: the tests' hand-made PDFs share this.

Objects are numbered from 1 in the order given; the cross-reference table and the
trailer (root object 1) are written from their byte offsets. A plain module, not a
fixture, because module-level helpers build PDFs too; pytest puts ``tests/`` on
``sys.path`` for the conftest beside it.
"""

from __future__ import annotations


def pdf_from_objects(objects: list[bytes]) -> bytes:
    """``%PDF-1.4`` with ``objects`` as objects 1..n, an xref table and a trailer."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(out)
