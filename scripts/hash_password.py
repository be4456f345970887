"""Make an editor's password hash for the portal's settings.

Usage: ``python scripts/hash_password.py NAME`` (asks for the password twice) and
put the printed line into ``.streamlit/secrets.toml`` under ``[editors]``, or the
``name:hash`` form into the PORTAL_EDITORS environment variable.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layers.auth import hash_password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Hash an editor's password (argon2id).")
    parser.add_argument("name", help="the editor's sign-in name")
    args = parser.parse_args(argv)
    password = getpass.getpass("password: ")
    if password != getpass.getpass("again: "):
        print("error: the two passwords differ", file=sys.stderr)
        return 1
    try:
        encoded = hash_password(password)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f'secrets.toml [editors]: {args.name} = "{encoded}"')
    print(f"PORTAL_EDITORS entry:   {args.name}:{encoded}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
