"""``nbx11 arch SPACE REPR``: canonical form, arch_id and validity as JSON.

Example:
    $ nbx11 arch nb201 "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
    {"input": "...", "valid": true, "canonical": "...", "arch_id": "..."}
    $ nbx11 arch nb101 --file graphs.txt      # one representation a line, JSON lines out
"""

from __future__ import annotations

import json
import sys

from nbx11_data import spaces
from nbx11_data.commands._checks import existing_file
from nbx11_data.errors import CorruptFileError, InvalidArchitectureError


def add_arguments(parser) -> None:
    parser.add_argument("space", choices=spaces.NAMES, help="search space")
    parser.add_argument("repr", nargs="?", help="one architecture (string form; JSON for structured forms)")
    parser.add_argument("--file", type=existing_file, help="read one representation a line ('-' for stdin); prints JSON lines")


def describe(space, text: str) -> dict:
    """The JSON record for one representation: canonical form, arch_id, validity or the error."""
    representation = _decode(text)
    try:
        arch = space.parse(representation)
    except InvalidArchitectureError as err:
        return {"input": text, "valid": False, "error": str(err)}
    record = {"input": text, "valid": True, "canonical": space.format(arch), "arch_id": space.arch_id(arch)}
    if space.HAS_ARCH_INDEX:
        record["arch_index"] = space.arch_index(arch)
    return record


def _decode(text: str):
    """JSON lists and objects are decoded; anything else stays a string for the space to parse."""
    stripped = text.strip()
    if stripped[:1] in "[{":
        try:
            return json.loads(stripped)
        except (json.JSONDecodeError, RecursionError):  # the space says what is wrong with it
            return text
    return text


def run(args) -> int:
    space = spaces.get(args.space)
    if (args.repr is None) == (args.file is None):
        raise InvalidArchitectureError("give exactly one of REPR or --file")
    if args.repr is not None:
        record = describe(space, args.repr)
        print(json.dumps(record))
        return 0 if record["valid"] else 1
    try:
        handle = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")
    except OSError as err:
        raise CorruptFileError(f"cannot read --file {args.file}: {err.strerror}") from None
    with handle:
        out = sys.stdout
        try:
            for line in handle:
                if line.strip():
                    out.write(json.dumps(describe(space, line.rstrip("\n"))) + "\n")
        except UnicodeDecodeError as err:
            raise InvalidArchitectureError(f"{args.file} is not UTF-8 text ({err.reason} at byte {err.start})"
                                           "; give one representation a line") from None
    return 0
