"""Shared by the boto3 KMS wire scripts: clients for the test identities, KMS error checks, and the
runner of wire_checks.py that also reports which operations answered 200.

The endpoint and the identities come from the environment (see boto3Env in test/helpers/kms-wire.ts):
OPENCMK_URL, and <NAME>_ACCESS_KEY_ID / _SECRET_ACCESS_KEY / _ACCOUNT_ID / _ARN for CUSTOMER,
PROVIDER, PROVIDER2 and OUTSIDER.
"""

import os
from datetime import datetime, timezone

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

import wire_checks
from wire_checks import CheckFailed, check, equal  # noqa: F401 - re-exported to the KMS scripts

URL = os.environ["OPENCMK_URL"]
DAY = 86400

# Operations answered 200 to any client of this process (botocore's after-call event).
SEEN = set()


def _record(http_response, model, **_):
    if http_response.status_code == 200:
        SEEN.add(model.name)


def client(who="CUSTOMER", region="us-east-1", validate=True, access_key=None, secret=None):
    """A KMS client for a test identity. validate=False sends values botocore would refuse (below a minimum)."""
    c = boto3.client(
        "kms",
        endpoint_url=URL,
        region_name=region,
        aws_access_key_id=access_key or os.environ[f"{who}_ACCESS_KEY_ID"],
        aws_secret_access_key=secret or os.environ[f"{who}_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, parameter_validation=validate),
    )
    c.meta.events.register("after-call.kms", _record)
    return c


def account(who):
    return os.environ[f"{who}_ACCOUNT_ID"]


def principal(who):
    return os.environ[f"{who}_ARN"]


def key_arn(region, account_id, key_id):
    return f"arn:aws:kms:{region}:{account_id}:key/{key_id}"


def alias_arn(region, account_id, name):
    return f"arn:aws:kms:{region}:{account_id}:{name}"


def not_authorized(who, action, resource):
    return (
        f"User: {principal(who)} is not authorized to perform: {action} on resource: {resource} "
        f"because no resource-based policy allows the {action} action"
    )


UNKNOWN_KEY_CIPHERTEXT = (
    "The ciphertext refers to a customer master key that does not exist, does not exist in this region, "
    "or you are not allowed to access."
)
INCORRECT_KEY = r"^The key ID in the request does not identify a KMS key that can perform this operation\.?$"
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details."
)

# docs/formats.md section 1: u8 version | keyId[16] | u32 material | nonce[12] | ciphertext | tag[16].
BLOB_KEY_ID, BLOB_MATERIAL, BLOB_NONCE, BLOB_BODY, BLOB_TAG = 1, 17, 21, 33, 16


def material_version(blob):
    return int.from_bytes(blob[BLOB_MATERIAL:BLOB_NONCE], "big")


def flip(blob, index, mask=0x01):
    b = bytearray(blob)
    b[index] ^= mask
    return bytes(b)


def near(actual, expected_epoch, slack_seconds, what):
    check(isinstance(actual, datetime), f"{what}: expected a datetime, got {actual!r}")
    got = actual.timestamp()
    check(abs(got - expected_epoch) <= slack_seconds, f"{what}: {actual.isoformat()} is not near "
          f"{datetime.fromtimestamp(expected_epoch, timezone.utc).isoformat()}")


def error(call, code, message=None, **params):
    """Calls call(**params), which must fail with AWS error `code`, HTTP 400 and, when given,
    `message` (exact text, or a compiled pattern)."""
    try:
        call(**params)
    except ClientError as e:
        err = e.response["Error"]
        name = getattr(call, "__name__", "call")
        check(err.get("Code") == code, f"{name}({_brief(params)}): expected {code}, got {err.get('Code')}: {err.get('Message')}")
        equal(e.response["ResponseMetadata"]["HTTPStatusCode"], 400, f"{name}: HTTP status of {code}")
        if isinstance(message, str):
            equal(err.get("Message"), message, f"{name}: {code} message")
        elif message is not None:
            check(message.search(err.get("Message") or ""), f"{name}: {code} message {err.get('Message')!r} does not match {message.pattern!r}")
        return err
    raise CheckFailed(f"{getattr(call, '__name__', 'call')}({_brief(params)}): expected {code}, but the call succeeded")


def _brief(params):
    shown = {k: (f"<{len(v)} bytes>" if isinstance(v, (bytes, bytearray)) else v) for k, v in params.items()}
    return ", ".join(f"{k}={v!r}" for k, v in shown.items())


class Suite(wire_checks.Suite):
    """wire_checks.Suite, reporting the KMS operations this process saw answered 200."""

    def __init__(self, name):
        super().__init__(name, operations=SEEN)
