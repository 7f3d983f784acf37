#!/usr/bin/env python3
"""Validates driftscan's OCSF output with py-ocsf-models (the OCSF model library Prowler
publishes): every event must load as a Compliance Finding (class 2003), with the cloud profile's
`cloud` object, and no attribute the schema does not define (unknown attributes fail instead of
being dropped, so a misspelt one is caught).

Usage: validate-ocsf.py FILE [FILE...]  (a JSON array of events, or JSON Lines)
"""
import importlib
import inspect
import json
import pkgutil
import sys
from typing import Optional

import py_ocsf_models
from pydantic import BaseModel, ValidationError
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from py_ocsf_models.objects.cloud import Cloud


def strict_models():
    """Every model of the library, made to refuse unknown attributes."""
    models = []
    for module in pkgutil.walk_packages(py_ocsf_models.__path__, "py_ocsf_models."):
        loaded = importlib.import_module(module.name)
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(cls, BaseModel) and cls.__module__.startswith("py_ocsf_models"):
                models.append(cls)
    for cls in models:
        cls.model_config["extra"] = "forbid"
    # Twice: a model embeds the schemas of the models it holds, rebuilt in the first pass.
    for _ in range(2):
        for cls in models:
            cls.model_rebuild(force=True)


class CloudComplianceFinding(ComplianceFinding):
    """A Compliance Finding with the cloud profile (OCSF's `cloud` profile adds `cloud`)."""

    model_config = {"extra": "forbid"}
    cloud: Optional[Cloud] = None


def events(path):
    text = open(path, encoding="utf-8").read()
    stripped = text.lstrip()
    if stripped.startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def main(paths):
    strict_models()
    CloudComplianceFinding.model_rebuild(force=True)
    failed = 0
    total = 0
    for path in paths:
        for index, event in enumerate(events(path)):
            total += 1
            try:
                CloudComplianceFinding.model_validate(event)
            except ValidationError as error:
                failed += 1
                print(f"{path}: event {index + 1}: {error}", file=sys.stderr)
                continue
            for key, want in (("class_uid", 2003), ("category_uid", 2), ("type_uid", 200301)):
                if event.get(key) != want:
                    failed += 1
                    print(f"{path}: event {index + 1}: {key} is {event.get(key)!r}, not {want}", file=sys.stderr)
    print(f"{total} OCSF Compliance Finding events checked, {failed} invalid")
    return 1 if failed or not total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
