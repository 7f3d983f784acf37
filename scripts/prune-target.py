#!/usr/bin/env python3
"""Drops the superseded artifacts of a cargo target directory.

Cargo keeps every variant it ever built: each source change of a workspace crate, each change
of a dependency's features or of the lock file leaves another `<crate>-<hash>` beside the
current one in `<profile>/deps`. Over a day of work the shared target directory grew to 60 GB
(six variants of aws-sdk-ec2 at 650 MB each, ten end-to-end test binaries at 200 MB). This
keeps, per crate, package (its version: syn 2 and syn 3 are both current), kind of artifact and
deps directory, the variant built last and removes the others. The kind keeps what one
`scripts/test` builds side by side: clippy's metadata-only
variant (`.rmeta`), the build's library (`.rlib`), a proc-macro or cdylib (`.so`) and an
executable (a binary or test). Pruning them against each other made every run re-check the
whole SDK. Where two variants of one kind are both current (a crate built with two feature
sets), the older is rebuilt once by the next build: it costs time, never correctness.

Usage: prune-target.py TARGET_DIR   (prints what it freed)
"""
import collections
import os
import re
import sys

ARTIFACT = re.compile(r"^(?P<name>.+)-(?P<hash>[0-9a-f]{16})(?:\..+)?$")


def kind(entries):
    """What a variant's files make it: a library, clippy's metadata, a shared object, or a
    binary (anything else, an executable beside its `.d` file)."""
    suffixes = {os.path.splitext(e.name)[1] for e in entries}
    for suffix in (".rlib", ".so", ".rmeta"):
        if suffix in suffixes:
            return suffix
    return "binary"


def crate_name(entry, name):
    """A library's files carry `lib` before the crate's name; its `.d` file does not."""
    library = os.path.splitext(entry.name)[1] in (".rlib", ".rmeta", ".so")
    return name[3:] if library and name.startswith("lib") else name


def package_of(entries, name):
    """The package a variant was built from: the directory of the first source file its `.d`
    file names (`.../syn-2.0.119/src/lib.rs` gives `.../syn-2.0.119`). Two versions of one
    crate (syn 2 and 3, http 0.2 and 1) are both current and share a name."""
    for entry in entries:
        if entry.name.endswith(".d"):
            try:
                with open(entry.path, encoding="utf-8", errors="replace") as dep_info:
                    first = dep_info.readline()
            except OSError:
                break
            sources = first.partition(": ")[2].split()
            if sources:
                source = sources[0]
                return source.split("/src/")[0] if "/src/" in source else os.path.dirname(source)
            break
    return name


def prune(deps):
    # One variant is one hash: a library's `.rlib`, `.rmeta` and `.d` together.
    by_hash = collections.defaultdict(list)
    names = {}
    for entry in os.scandir(deps):
        match = ARTIFACT.match(entry.name)
        if match and entry.is_file(follow_symlinks=False):
            by_hash[match["hash"]].append(entry)
            names.setdefault(match["hash"], crate_name(entry, match["name"]))
    variants = collections.defaultdict(dict)
    for digest, entries in by_hash.items():
        package = package_of(entries, names[digest])
        variants[(names[digest], package, kind(entries))][digest] = entries
    freed = removed = 0
    for by_hash in variants.values():
        if len(by_hash) < 2:
            continue
        newest = max(by_hash, key=lambda h: max(e.stat().st_mtime for e in by_hash[h]))
        for digest, entries in by_hash.items():
            if digest == newest:
                continue
            for entry in entries:
                try:
                    size = entry.stat().st_size
                    os.remove(entry.path)
                except OSError:
                    continue
                freed += size
                removed += 1
    return freed, removed


def main():
    target = sys.argv[1]
    freed = removed = 0
    for root, dirs, _ in os.walk(target):
        if os.path.basename(root) == "deps":
            dirs.clear()
            f, r = prune(root)
            freed, removed = freed + f, removed + r
        elif root.count(os.sep) - target.count(os.sep) > 3:
            dirs.clear()
    print(f"prune-target: {removed} superseded artifacts, {freed / 1e9:.1f} GB freed", file=sys.stderr)


if __name__ == "__main__":
    main()
