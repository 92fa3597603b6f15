#!/usr/bin/env python3
"""Lists the C++ functions whose definitions run over a number of lines.

Usage: function_lengths.py [--max N] [--all] PATH...
A function counts from the first line of its declarator to its closing brace.
Member functions defined inside a class count on their own; lambdas and local
classes count inside the function that holds them. Exits 1 when a function is
longer than --max (80 by default), so a script or CI step can use it.
"""
import argparse
import pathlib
import re
import sys

SOURCE_SUFFIXES = {".cpp", ".cc", ".cxx", ".h", ".hpp"}


def blank_comments_and_literals(text):
    """The text with comments, strings and characters blanked, lines kept."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
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
        elif c == "R" and text.startswith('R"', i) and (i == 0 or not text[i - 1].isalnum()):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum():  # digit separator 1'000
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * (j - i - 2) + c if j - i >= 2 else " " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def is_function_header(header):
    """Whether the text before a '{' at namespace or class scope opens a function."""
    h = " ".join(header.split())
    if not h or "(" not in h:
        return False
    before_paren = h.split("(", 1)[0]
    if "=" in before_paren:
        return False  # an initialised variable, e.g. x = f({...})
    if re.search(r"\b(namespace|enum)\b", before_paren):
        return False
    if re.match(r"^(if|for|while|switch|catch|do)\b", h):
        return False
    # ends with ')', a qualifier, a trailing return type or an initialiser list
    return True


def blank_preprocessor(code):
    """The code with preprocessor lines (and their continuations) blanked."""
    lines = code.split("\n")
    continued = False
    for i, line in enumerate(lines):
        if continued or line.lstrip().startswith("#"):
            continued = line.rstrip().endswith("\\")
            lines[i] = " " * len(line)
    return "\n".join(lines)


def functions(text):
    """Yields (name, first line, last line) of each function defined in text."""
    code = blank_preprocessor(blank_comments_and_literals(text))
    stack = []  # kinds: 'scope' (namespace, class, extern "C"), 'function', 'other'
    header_start = 0
    for m in re.finditer(r"[{};]", code):
        ch, pos = m.group(), m.start()
        in_function = any(k[0] == "function" for k in stack)
        if ch == "{":
            header = code[header_start:pos]
            if in_function or (stack and stack[-1][0] == "other"):
                stack.append(("other",))  # a block, lambda or initialiser
            elif is_function_header(header):
                first = header_start + (len(header) - len(header.lstrip()))
                name = header.split("(", 1)[0].split()[-1] if header.split("(", 1)[0].split() else "?"
                stack.append(("function", name, code.count("\n", 0, first) + 1))
            elif re.search(r"\b(namespace|class|struct|union|extern)\b", header) and "=" not in header:
                stack.append(("scope",))
            else:
                stack.append(("other",))
            header_start = pos + 1
        elif ch == "}":
            if stack:
                kind = stack.pop()
                if kind[0] == "function":
                    yield kind[1], kind[2], code.count("\n", 0, pos) + 1
            header_start = pos + 1
        else:  # ';'
            if not in_function and not (stack and stack[-1][0] == "other"):
                header_start = pos + 1
            elif in_function:
                header_start = pos + 1
    # access specifiers ("public:") are part of the next header and harmless


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--max", type=int, default=80)
    ap.add_argument("--all", action="store_true", help="list every function, longest first")
    args = ap.parse_args()
    files = []
    for p in map(pathlib.Path, args.paths):
        files += sorted(f for f in p.rglob("*") if f.suffix in SOURCE_SUFFIXES) if p.is_dir() else [p]
    rows = []
    for f in files:
        for name, first, last in functions(f.read_text(errors="replace")):
            rows.append((last - first + 1, f"{f}:{first}", name))
    rows.sort(reverse=True)
    over = [r for r in rows if r[0] > args.max]
    for length, where, name in rows if args.all else over:
        print(f"{length:5d}  {name}  {where}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
