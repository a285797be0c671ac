"""Shared by the boto3 S3 wire scripts: S3 clients for the test identities with boto3's DEFAULT
settings (CRC32 request checksums, aws-chunked bodies, response checksum validation), checks that
fail loudly, and a runner that runs every section, prints one JSON line and exits non-zero on failure.

The endpoint and identities come from the environment (boto3Env in test/helpers/kms-wire.ts):
OPENCMK_URL and <NAME>_ACCESS_KEY_ID / _SECRET_ACCESS_KEY / _ACCOUNT_ID / _ARN.
"""

import json
import os
import sys
import traceback

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

URL = os.environ["OPENCMK_URL"]
_counts = {"checks": 0}


def s3(who="CUSTOMER", region="us-east-1", **config):
    """An S3 client (path-style; no retries, so a refusal is seen once). Other settings are boto3's defaults."""
    return boto3.client(
        "s3",
        endpoint_url=URL,
        region_name=region,
        aws_access_key_id=os.environ[f"{who}_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ[f"{who}_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, s3={"addressing_style": "path"}, **config),
    )


def kms(who="CUSTOMER", region="us-east-1"):
    return boto3.client(
        "kms",
        endpoint_url=URL,
        region_name=region,
        aws_access_key_id=os.environ[f"{who}_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ[f"{who}_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


class CheckFailed(AssertionError):
    pass


def check(condition, message):
    _counts["checks"] += 1
    if not condition:
        raise CheckFailed(message)


def equal(actual, expected, what):
    check(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


def error(call, code, status, message=None, **params):
    """call(**params) must fail with S3 error `code` and HTTP `status` (and `message`, when given)."""
    try:
        call(**params)
    except ClientError as e:
        err = e.response["Error"]
        name = getattr(call, "__name__", "call")
        got = e.response["ResponseMetadata"]["HTTPStatusCode"]
        check(err.get("Code") == code and got == status, f"{name}: expected {code} ({status}), got {err.get('Code')} ({got}): {err.get('Message')}")
        if message is not None:
            equal(err.get("Message"), message, f"{name}: {code} message")
        return err
    raise CheckFailed(f"{getattr(call, '__name__', 'call')}: expected {code}, but the call succeeded")


class Suite:
    """Sections run in order; a failing section is reported and the rest still run."""

    def __init__(self, name):
        self.name = name
        self.sections = []
        self.results = {}

    def section(self, fn):
        self.sections.append(fn)
        return fn

    def run(self):
        failures = []
        for fn in self.sections:
            try:
                out = fn()
                if out is not None:
                    self.results[fn.__name__] = out
            except Exception as e:  # noqa: BLE001 - every failure is reported
                detail = traceback.format_exc()
                failures.append(f"[{self.name}] {fn.__name__}: {type(e).__name__}: {e}\n{detail}")
        summary = {"script": self.name, "sections": [f.__name__ for f in self.sections], "failed": len(failures), "checks": _counts["checks"], "results": self.results}
        if failures:
            sys.stderr.write(f"{len(failures)} of {len(self.sections)} sections failed:\n\n" + "\n".join(failures))
            print(json.dumps(summary, default=str))
            sys.exit(1)
        print(json.dumps(summary, default=str))
