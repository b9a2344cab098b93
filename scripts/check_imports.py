#!/usr/bin/env python3
"""Checks that Package.swift, the imports and the module graph in docs/architecture.md say the same thing.

A module that compiles only because another target happens to link a library depends on it without saying so, and
a declared dependency nothing imports is an arrow that is not there: either way the graph in Package.swift stops
being the graph of the code. Reads `swift package dump-package`, so the targets, paths and products are SwiftPM's
own; system modules are allowed everywhere.
"""
import glob
import json
import os
import re
import subprocess
import sys

SYSTEM = {"Foundation", "FoundationXML", "FoundationNetworking", "FoundationEssentials", "Synchronization",
          "Dispatch", "Glibc", "Musl", "Darwin", "SQLite3", "Testing", "XCTest", "os", "PackageDescription"}
IMPORT = re.compile(r"^\s*(?:@testable\s+|@_spi\([^)]*\)\s+)*import\s+(?:(?:struct|enum|class|func|protocol)\s+)?(\w+)")


def main() -> int:
    repository = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    problems = []
    targets = 0
    # The product and the benchmarks' own package (which uses remedy's libraries by path).
    for root in (repository, os.path.join(repository, "Benchmarks")):
        targets += check(root, repository, problems)
    check_graph(repository, problems)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s): Package.swift, the imports and docs/architecture.md must agree")
        return 1
    print(f"OK: {targets} targets import only what their Package.swift declares")
    return 0


def internal_edges(package: dict) -> set:
    """(module, dependency) for each product module and each module of ours it declares."""
    names = {target["name"] for target in package["targets"]}
    edges = set()
    for target in package["targets"]:
        if target["type"] == "test" or target["name"] == "RemedyTestSupport":
            continue
        for dependency in target.get("dependencies", []):
            for kind in ("byName", "target"):
                if kind in dependency and dependency[kind][0] in names:
                    edges.add((target["name"], dependency[kind][0]))
    return edges


def check_graph(repository: str, problems: list) -> None:
    package = json.loads(subprocess.check_output(["swift", "package", "dump-package"], cwd=repository))
    declared = internal_edges(package)
    with open(os.path.join(repository, "docs", "architecture.md"), encoding="utf-8") as document:
        text = document.read()
    block = re.search(r"```mermaid\n(.*?)```", text, re.S)
    drawn = set(re.findall(r"^\s*(\w+) --> (\w+)\s*$", block.group(1), re.M)) if block else set()
    for module, dependency in sorted(declared - drawn):
        problems.append(f"docs/architecture.md: the module graph lacks {module} --> {dependency} (Package.swift has it)")
    for module, dependency in sorted(drawn - declared):
        problems.append(f"docs/architecture.md: the module graph draws {module} --> {dependency}, which Package.swift lacks")


def check(root: str, repository: str, problems: list) -> int:
    package = json.loads(subprocess.check_output(["swift", "package", "dump-package"], cwd=root))
    ours = {target["name"] for target in package["targets"]}
    for target in package["targets"]:
        name = target["name"]
        declared = {name}
        for dependency in target.get("dependencies", []):
            for kind in ("byName", "target", "product"):
                if kind in dependency:
                    declared.add(dependency[kind][0])
        default = "Tests" if target["type"] == "test" else "Sources"
        path = os.path.join(root, target.get("path") or os.path.join(default, name))
        imported = set()
        for file in sorted(glob.glob(os.path.join(path, "**", "*.swift"), recursive=True)):
            with open(file, encoding="utf-8") as source:
                for number, line in enumerate(source, 1):
                    match = IMPORT.match(line)
                    if not match:
                        continue
                    imported.add(match.group(1))
                    if match.group(1) not in declared | SYSTEM:
                        relative = os.path.relpath(file, repository)
                        problems.append(f"{relative}:{number}: {name} imports {match.group(1)}, not declared for it")
        # A module of ours declared but imported nowhere is an arrow that is not there. (Test targets may declare
        # one only to have it built: the command tests run the built binary.)
        if target["type"] == "test":
            continue
        for unused in sorted((declared & ours) - imported - {name}):
            problems.append(f"Package.swift: {name} declares {unused} but no file of it imports it")
    return len(package["targets"])


if __name__ == "__main__":
    sys.exit(main())
