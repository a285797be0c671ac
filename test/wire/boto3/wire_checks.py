"""Shared by every boto3 wire script: checks that fail loudly, and a runner that runs every section,
prints one JSON line on stdout and exits non-zero on any failure."""

import json
import sys
import traceback

_counts = {"checks": 0}


class CheckFailed(AssertionError):
    pass


def check(condition, message):
    _counts["checks"] += 1
    if not condition:
        raise CheckFailed(message)


def equal(actual, expected, what):
    check(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


class Suite:
    """Sections run in order; a failing section is reported and the rest still run.
    `operations`, when given, is the set of operations answered 200, reported sorted."""

    def __init__(self, name, operations=None):
        self.name = name
        self.sections = []
        self.results = {}
        self.operations = operations

    def section(self, fn):
        self.sections.append(fn)
        return fn

    def run(self, **extra):
        failures = []
        for fn in self.sections:
            try:
                out = fn()
                if out is not None:
                    self.results[fn.__name__] = out
            except Exception as e:  # noqa: BLE001 - every failure is reported, none is hidden
                detail = traceback.format_exc() if not isinstance(e, CheckFailed) else "".join(traceback.format_tb(e.__traceback__)[-1:])
                failures.append(f"[{self.name}] {fn.__name__}: {type(e).__name__}: {e}\n{detail}")
        summary = {
            "script": self.name,
            "sections": [fn.__name__ for fn in self.sections],
            "failed": len(failures),
            "checks": _counts["checks"],
            **({"operations": sorted(self.operations)} if self.operations is not None else {}),
            "results": self.results,
            **extra,
        }
        if failures:
            sys.stderr.write(f"{len(failures)} of {len(self.sections)} sections failed:\n\n" + "\n".join(failures))
            print(json.dumps(summary, default=str))
            sys.exit(1)
        print(json.dumps(summary, default=str))
