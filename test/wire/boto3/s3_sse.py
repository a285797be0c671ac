"""boto3 (default settings) as the provider in the seed scenario (test/wire/s3-sse.test.ts): it writes
and reads objects in a bucket whose default encryption is the customer's KMS key, or checks that a
key change on the customer's side refuses both, and that the refused PUT created nothing.

Env: OPENCMK_URL and the identities, plus
  OP          write-read | refused
  BUCKET      the provider's bucket
  READ_KEY    an existing object to read; READ_SHA256 its expected SHA-256 (hex)
  NEW_KEY     a key to PUT (write-read: must succeed; refused: must not appear)
  KEY_ARN     the customer's key ARN the objects must be under (write-read)
  BUCKET_KEY  "true" | "false": whether the objects use a bucket key (write-read)
  CODE, STATUS, MESSAGE   the refusal (refused); MESSAGE is optional
"""

import hashlib
import os

from s3_common import Suite, check, equal, error, s3

OP = os.environ["OP"]
BUCKET = os.environ["BUCKET"]
READ_KEY = os.environ["READ_KEY"]
READ_SHA = os.environ["READ_SHA256"]
NEW_KEY = os.environ["NEW_KEY"]
p = s3("PROVIDER")
suite = Suite(f"s3_sse:{OP}")


def body_for(key):
    return hashlib.sha256(key.encode()).digest() * 4096  # 128 KiB: three segments


if OP == "write-read":

    @suite.section
    def write_then_read():
        data = body_for(NEW_KEY)
        put = p.put_object(Bucket=BUCKET, Key=NEW_KEY, Body=data)
        equal(put["ServerSideEncryption"], "aws:kms", "PUT: ServerSideEncryption")
        equal(put["SSEKMSKeyId"], os.environ["KEY_ARN"], "PUT: SSEKMSKeyId")
        equal(bool(put.get("BucketKeyEnabled", False)), os.environ["BUCKET_KEY"] == "true", "PUT: BucketKeyEnabled")
        got = p.get_object(Bucket=BUCKET, Key=NEW_KEY)
        equal(hashlib.sha256(got["Body"].read()).hexdigest(), hashlib.sha256(data).hexdigest(), "own object read back")
        equal(got["SSEKMSKeyId"], os.environ["KEY_ARN"], "GET: SSEKMSKeyId")
        equal(bool(got.get("BucketKeyEnabled", False)), os.environ["BUCKET_KEY"] == "true", "GET: BucketKeyEnabled")
        other = p.get_object(Bucket=BUCKET, Key=READ_KEY)
        equal(hashlib.sha256(other["Body"].read()).hexdigest(), READ_SHA, f"{READ_KEY} (written by another client) read back")
        return {"sha256": hashlib.sha256(data).hexdigest()}

elif OP == "refused":
    CODE, STATUS, MESSAGE = os.environ["CODE"], int(os.environ["STATUS"]), os.environ.get("MESSAGE")

    @suite.section
    def get_and_put_refused():
        before = [o["Key"] for o in p.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        error(p.get_object, CODE, STATUS, MESSAGE, Bucket=BUCKET, Key=READ_KEY)
        error(p.put_object, CODE, STATUS, MESSAGE, Bucket=BUCKET, Key=NEW_KEY, Body=body_for(NEW_KEY))
        after = [o["Key"] for o in p.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        equal(after, before, "ListObjectsV2 after the refused PUT")
        error(p.head_object, "404", 404, None, Bucket=BUCKET, Key=NEW_KEY)
        check(NEW_KEY not in after, f"{NEW_KEY} was created by a refused PUT")

else:
    raise SystemExit(f"unknown OP {OP}")

suite.run()
