#!/usr/bin/env python3
"""Drops the superseded artifacts of a cargo target directory.

Cargo keeps every variant it ever built: each source change of a workspace crate, each change
of a dependency's features or of the lock file leaves another `<crate>-<hash>` beside the
current one in `<profile>/deps`. Over a day of work the shared target directory grew to 60 GB
(six variants of aws-sdk-ec2 at 650 MB each, ten end-to-end test binaries at 200 MB). This
keeps, per crate name and deps directory, the variant built last and removes the others. Where
two variants are both current (a crate built with two feature sets), the older is rebuilt once
by the next build: it costs time, never correctness.

Usage: prune-target.py TARGET_DIR   (prints what it freed)
"""
import collections
import os
import re
import sys

ARTIFACT = re.compile(r"^(?P<name>.+)-(?P<hash>[0-9a-f]{16})(?:\..+)?$")


def prune(deps):
    variants = collections.defaultdict(lambda: collections.defaultdict(list))
    for entry in os.scandir(deps):
        match = ARTIFACT.match(entry.name)
        if match and entry.is_file(follow_symlinks=False):
            variants[match["name"]][match["hash"]].append(entry)
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
