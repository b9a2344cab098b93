#!/usr/bin/env python3
"""Checks that every module imports only what Package.swift declares for it (docs/architecture.md).

A module that compiles only because another target happens to link a library depends on it without saying so:
the graph in Package.swift stops being the graph of the code. Reads `swift package dump-package`, so the targets,
paths and products are SwiftPM's own; system modules are allowed everywhere.
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
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} undeclared import(s): add them to the target's dependencies in Package.swift")
        return 1
    print(f"OK: {targets} targets import only what their Package.swift declares")
    return 0


def check(root: str, repository: str, problems: list) -> int:
    package = json.loads(subprocess.check_output(["swift", "package", "dump-package"], cwd=root))
    for target in package["targets"]:
        name = target["name"]
        declared = {name}
        for dependency in target.get("dependencies", []):
            for kind in ("byName", "target", "product"):
                if kind in dependency:
                    declared.add(dependency[kind][0])
        default = "Tests" if target["type"] == "test" else "Sources"
        path = os.path.join(root, target.get("path") or os.path.join(default, name))
        for file in sorted(glob.glob(os.path.join(path, "**", "*.swift"), recursive=True)):
            with open(file, encoding="utf-8") as source:
                for number, line in enumerate(source, 1):
                    match = IMPORT.match(line)
                    if match and match.group(1) not in declared | SYSTEM:
                        relative = os.path.relpath(file, repository)
                        problems.append(f"{relative}:{number}: {name} imports {match.group(1)}, not declared for it")
    return len(package["targets"])


if __name__ == "__main__":
    sys.exit(main())
