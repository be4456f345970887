"""The few exceptions the project raises on purpose.

The portal catches exactly these (and shows ``st.error``); anything else is a bug
and is allowed to surface. Validators collect every problem first and raise once,
so a user fixing a catalog sees all of its faults in one message.
"""

from __future__ import annotations

from collections.abc import Sequence


class PortalError(Exception):
    """Base class: an expected failure with a message meant for a person."""


class ProblemsError(PortalError):
    """A failure made of several independent problems, reported together.

    Parameters
    ----------
    summary
        One line saying what was being checked.
    problems
        Every problem found, each a complete sentence.
    """

    def __init__(self, summary: str, problems: Sequence[str]) -> None:
        self.summary = summary
        self.problems = tuple(problems)
        lines = [summary, *(f"  - {p}" for p in self.problems)]
        super().__init__("\n".join(lines))


class CatalogError(ProblemsError):
    """The document catalog is missing, malformed, or disagrees with the files."""


class ReferenceDataError(ProblemsError):
    """Installed reference geography (boundaries, seats, name tables) is unusable."""


class GazetteerError(ProblemsError):
    """A curated gazetteer table breaks its rules (a row without a source, a bad
    coordinate, a county that does not exist or does not contain the point...)."""


class StoreError(ProblemsError):
    """The layer store is missing, incomplete or unreachable, or a correction is malformed."""


class PlaceNameError(PortalError):
    """A place name could not be resolved to exactly one administrative unit."""

    def __init__(self, query: str, message: str, candidates: Sequence[object] = ()) -> None:
        self.query = query
        self.candidates = tuple(candidates)
        super().__init__(message)


class UnknownPlaceError(PlaceNameError):
    """No administrative unit answers to the name."""


class AmbiguousPlaceError(PlaceNameError):
    """Several units answer to the name; the caller must narrow it, we never guess."""


class OfflineAssetError(PortalError):
    """A web asset would be fetched from outside the portal's own server."""


class DocumentReadError(PortalError):
    """A document cannot be read as text (empty, binary, too large, no text layer...)."""


class AuthError(PortalError):
    """A sign-in is refused: unknown editor, wrong password, or too many attempts."""
