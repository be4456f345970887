"""Uploads held by the server: only a signed-in editor's session may leave any.

Streamlit's upload route (``PUT /_stcore/upload_file/<session>/<file>``) takes a
file for any live session and keeps it in memory until that session's widget
lets it go; a viewer who never signs in, or a crafted client that opens a
session and PUTs files by hand, could park hundreds of megabytes in the
portal's memory that way. The route itself is Streamlit's, so the guard sits
where every upload lands: the runtime's uploaded-file manager. A file for a
session without a signed-in editor is dropped the moment it arrives (and
logged), so nothing of it is kept; the editor's own uploads pass as before.

The guard reads the session's state through Streamlit's runtime (its session
manager), which is not a public API: :func:`guard_uploads` checks the pieces
it needs and, should a Streamlit upgrade move them, refuses every upload
rather than let them through unguarded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from portal.state import EDITOR_KEY

logger = logging.getLogger(__name__)

_INSTALLED = "_portal_editor_guard"
_LOCK = threading.Lock()


def session_is_editor(session_state: Any) -> bool:
    """Whether a session's state holds a signed-in editor (the key no widget can set)."""
    try:
        return EDITOR_KEY in session_state and bool(session_state[EDITOR_KEY])
    except (KeyError, AttributeError, TypeError):
        return False


def editor_session_checker(runtime: Any) -> Callable[[str], bool]:
    """A function telling whether a session id belongs to a signed-in editor.

    Unknown sessions, and any failure to look one up, count as "not an editor".
    """

    def is_editor(session_id: str) -> bool:
        manager = getattr(runtime, "_session_mgr", None)
        lookup = getattr(manager, "get_active_session_info", None)
        if lookup is None:
            return False
        info = lookup(session_id)
        session = getattr(info, "session", None)
        return session is not None and session_is_editor(getattr(session, "session_state", None))

    return is_editor


def guarded_add_file(
    add_file: Callable[..., None], is_editor: Callable[[str], bool]
) -> Callable[..., None]:
    """``add_file`` that keeps a file only for an editor's session and drops any other."""

    def add(session_id: str, file: Any) -> None:
        if not is_editor(session_id):
            size = len(getattr(file, "data", b"") or b"")
            logger.warning("upload refused: session %s is not a signed-in editor's (%d bytes "
                           "dropped)", session_id[:8], size)  # fmt: skip
            return
        add_file(session_id=session_id, file=file)

    setattr(add, _INSTALLED, True)
    return add


def guard_uploads() -> bool:
    """Install the guard on this process's Streamlit runtime (once); True when installed.

    Called on every script run; cheap after the first. Without a running
    runtime (tests run in bare mode) there is nothing to guard.
    """
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return False
    manager: Any = Runtime.instance().uploaded_file_mgr  # MemoryUploadedFileManager
    with _LOCK:
        if getattr(manager.add_file, _INSTALLED, False):
            return True
        is_editor = editor_session_checker(Runtime.instance())
        manager.add_file = guarded_add_file(manager.add_file, is_editor)
        # Files that arrived before the first script run installed the guard go too.
        for session_id in list(getattr(manager, "file_storage", {})):
            if not is_editor(session_id):
                manager.remove_session_files(session_id)
    logger.info("uploads: only signed-in editors' sessions may keep files")
    return True
