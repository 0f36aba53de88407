#!/usr/bin/env python3
"""The size rules of docs/architecture.md, checked by `make test` before it builds: in Sources/,
no file over 400 lines, no function (or initializer, closure-free accessor excluded) over 60
lines, no line over 140 columns. Prints each breach and exits 1 when there is one.

Function length is counted from the line of `func`/`init` to the line of its closing brace, by
brace matching that skips string literals and comments: good enough for code `swift format`
keeps in shape, and no SwiftSyntax build needed.
"""
import pathlib
import re
import sys

MAX_FILE, MAX_FUNCTION, MAX_LINE = 400, 60, 140
DECLARATION = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|package|static|class|"
                         r"final|override|mutating|nonisolated|convenience|required|@Sendable)\s+)*(func\s+\S+?|init[?!]?)\s*[(<]")


def strip_code(text):
    """The text with string literals and comments blanked, newlines kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith('"""', i) or text.startswith('#"""', i):
            start = i + (1 if text[i] == "#" else 0)
            closing = '"""#' if text[i] == "#" else '"""'
            j = text.find(closing, start + 3)
            j = n if j < 0 else j + len(closing)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text[i] == '"' or text.startswith('#"', i):
            hashes = 1 if text[i] == "#" else 0
            j = i + hashes + 1
            while j < n and text[j] != "\n":
                if text[j] == "\\" and not hashes:
                    j += 2
                    continue
                if text[j] == '"' and text[j + 1:j + 1 + hashes] == "#" * hashes:
                    j += 1 + hashes
                    break
                j += 1
            out.append(" " * (j - i))
            i = j
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def function_breaches(path, text):
    code = strip_code(text)
    lines = code.split("\n")
    offsets, total = [], 0
    for line in lines:
        offsets.append(total)
        total += len(line) + 1
    for number, line in enumerate(lines):
        match = DECLARATION.match(line)
        if not match:
            continue
        start = code.find("{", offsets[number])
        if start < 0:
            continue
        depth, k = 0, start
        while k < len(code):
            if code[k] == "{":
                depth += 1
            elif code[k] == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        # A protocol requirement has no body: the next brace belongs to something else.
        if code[offsets[number]:start].count("\n") > 3:
            continue
        end = code.count("\n", 0, k)
        length = end - number + 1
        if length > MAX_FUNCTION:
            yield f"{path}:{number + 1}: {match.group(1).split('(')[0]} is {length} lines (at most {MAX_FUNCTION})"


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    breaches = []
    for path in sorted((root / "Sources").rglob("*.swift")):
        relative = path.relative_to(root)
        text = path.read_text()
        lines = text.split("\n")
        if len(lines) - 1 > MAX_FILE:
            breaches.append(f"{relative}: {len(lines) - 1} lines (at most {MAX_FILE})")
        for number, line in enumerate(lines, 1):
            if len(line) > MAX_LINE:
                breaches.append(f"{relative}:{number}: {len(line)} columns (at most {MAX_LINE})")
        breaches.extend(function_breaches(relative, text))
    for breach in breaches:
        print(breach)
    if breaches:
        print(f"{len(breaches)} breaches of the house's size rules (docs/architecture.md)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
