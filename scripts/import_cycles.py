#!/usr/bin/env python3
"""Fails when the crate's top-level modules import each other in a cycle.

Reads every `crate::<module>` path in src/ (use declarations, inline paths and intra-doc links
alike), outside `#[cfg(test)]` unit-test modules, and builds the graph of top-level modules (`src/<m>.rs` or
`src/<m>/`). lib.rs is the root and is not a node. Prints each cycle found.
"""
import os
import re
import sys

SRC = next((a for a in sys.argv[1:] if not a.startswith("-")), None) or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "src"
)


def module_of(path):
    rel = os.path.relpath(path, SRC)
    top = rel.split(os.sep)[0]
    return top[:-3] if top.endswith(".rs") else top


def strip_tests(text):
    """Drops `#[cfg(test)] mod name { ... }` blocks (brace-matched). Comments count: an
    intra-doc link is a `crate::` path too."""
    out, i = [], 0
    pattern = re.compile(
        r"#\[cfg\(test\)\]\s*(#\[[^\]]*\]\s*)*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*\{"
    )
    while True:
        m = pattern.search(text, i)
        if not m:
            out.append(text[i:])
            break
        out.append(text[i : m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    return "".join(out)


def graph():
    edges = {}
    tops = set()
    for root, _, files in os.walk(SRC):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(root, f)
            if os.path.relpath(path, SRC) == "lib.rs":
                continue
            m = module_of(path)
            tops.add(m)
            text = strip_tests(open(path, encoding="utf-8").read())
            # `crate::a::..` and grouped `crate::{a::.., b}` alike.
            for dep in re.findall(r"\bcrate::(\w+)", text):
                edges.setdefault(m, set()).add(dep)
            for group in re.findall(r"\bcrate::\{([^}]*(?:\{[^}]*\}[^}]*)*)\}", text):
                for dep in re.findall(r"(?:^|,)\s*(\w+)", group):
                    edges.setdefault(m, set()).add(dep)
    return {m: {d for d in ds if d in tops and d != m} for m, ds in edges.items()}, tops


def cycles(edges, tops):
    found, index, low, stack, on, counter = [], {}, {}, [], set(), [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(tops):
        if v not in index:
            strong(v)
    return found


if __name__ == "__main__":
    edges, tops = graph()
    if "-v" in sys.argv:
        for m in sorted(tops):
            print(f"{m} -> {', '.join(sorted(edges.get(m, ()))) or '(none)'}")
    found = cycles(edges, tops)
    for comp in found:
        print("import cycle among:", " ".join(comp))
        for m in comp:
            print(f"  {m} -> {', '.join(sorted(d for d in edges.get(m, ()) if d in comp))}")
    sys.exit(1 if found else 0)
