#!/usr/bin/env python3
"""Validates natctl JSON documents against docs/schema/ (JSON Schema draft 2020-12).

Usage: check-schemas.py [--expect-error CODE] [--expect-ok] FILE...   (FILE '-' reads stdin)

Each FILE holds one JSON document, or JSON Lines (relay serve). A document's "schema" field
names its schema: "natctl.probe/2" is checked against docs/schema/natctl.probe.2.json. Every
document must name a schema that has a file, except a failure document ({schema, error}) of a
schema whose owner has not written its file yet, which is checked against
natctl.failure.json alone. --expect-error CODE also requires error.code == CODE (in the last
document of the file); --expect-ok requires error to be null or absent in every document.
"""
import json
import os
import sys
import warnings

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_DIR = os.path.join(HERE, "..", "docs", "schema")


def load_store():
    store = {}
    for name in sorted(os.listdir(SCHEMA_DIR)):
        if name.endswith(".json"):
            with open(os.path.join(SCHEMA_DIR, name)) as f:
                schema = json.load(f)
            jsonschema.Draft202012Validator.check_schema(schema)
            store[name] = schema
            store[schema["$id"]] = schema
    return store


def documents(path):
    text = sys.stdin.read() if path == "-" else open(path).read()
    text = text.strip()
    if not text:
        raise ValueError("no document on stdout")
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def validate(document, store):
    name = document.get("schema")
    if not isinstance(name, str) or "/" not in name:
        raise ValueError("no schema field")
    file = name.replace("/", ".") + ".json"
    schema = store.get(file)
    if schema is None:
        if "error" in document and document.get("error") is not None and set(document) == {"schema", "error"}:
            schema = store["natctl.failure.json"]
            file = f"natctl.failure.json (no {file} yet)"
        else:
            raise ValueError(f"no schema file docs/schema/{file}")
    with warnings.catch_warnings():  # RefResolver: in Debian's 4.10 and, deprecated, in 4.18+
        warnings.simplefilter("ignore", DeprecationWarning)
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    validator = jsonschema.Draft202012Validator(schema, resolver=resolver)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        raise ValueError("; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:5]))
    return file


def main(argv):
    expect_error = None
    expect_ok = False
    files = []
    args = iter(argv)
    for arg in args:
        if arg == "--expect-error":
            expect_error = next(args)
        elif arg == "--expect-ok":
            expect_ok = True
        else:
            files.append(arg)
    store = load_store()
    failed = 0
    for path in files:
        try:
            docs = documents(path)
            used = {validate(d, store) for d in docs}
            if expect_error is not None:
                error = docs[-1].get("error")
                if not isinstance(error, dict) or error.get("code") != expect_error:
                    raise ValueError(f"expected error.code {expect_error!r}, got {error!r}")
            if expect_ok:
                bad = [d.get("error") for d in docs if d.get("error") is not None]
                if bad:
                    raise ValueError(f"expected no error, got {bad[0]!r}")
            print(f"ok   {path}: {len(docs)} document(s), {', '.join(sorted(used))}")
        except Exception as e:  # noqa: BLE001 - report every file
            failed += 1
            print(f"FAIL {path}: {e}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
