"""Shared by the boto3 S3 wire scripts: S3 clients for the test identities with boto3's DEFAULT
settings (CRC32 request checksums, aws-chunked bodies, response checksum validation) and S3 error
checks; the checks and the runner are wire_checks.py's.

The endpoint and identities come from the environment (boto3Env in test/helpers/kms-wire.ts):
OPENCMK_URL and <NAME>_ACCESS_KEY_ID / _SECRET_ACCESS_KEY / _ACCOUNT_ID / _ARN.
"""

import os

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from wire_checks import CheckFailed, Suite, check, equal  # noqa: F401 - re-exported to the S3 scripts

URL = os.environ["OPENCMK_URL"]


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
