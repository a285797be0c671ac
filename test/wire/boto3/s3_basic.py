"""boto3 (default settings) against opencmk's S3 API: buckets, object round trips with awkward keys,
listing through boto3's own paginator (which asks for EncodingType=url and decodes), and presigned
URLs for test/wire/s3-basic.test.ts to fetch with curl.

Env: OPENCMK_URL, the identities, BUCKET (a fresh name this script creates), KEYS (JSON list of
awkward keys to store and read back).
"""

import hashlib
import json
import os


from s3_common import Suite, check, equal, error, s3

BUCKET = os.environ["BUCKET"]
KEYS = json.loads(os.environ["KEYS"])
c = s3("CUSTOMER")
outsider = s3("OUTSIDER")
suite = Suite("s3_basic")


def body_of(key):
    return ("boto3:" + key).encode("utf-8") * 3


@suite.section
def create_bucket():
    error(c.create_bucket, "IllegalLocationConstraintException", 400, Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    c.create_bucket(Bucket=BUCKET)
    c.head_bucket(Bucket=BUCKET)
    error(c.create_bucket, "BucketAlreadyOwnedByYou", 409, Bucket=BUCKET)
    error(outsider.create_bucket, "BucketAlreadyExists", 409, Bucket=BUCKET)
    error(c.create_bucket, "InvalidBucketName", 400, Bucket="Not_Valid")
    names = [b["Name"] for b in c.list_buckets()["Buckets"]]
    check(BUCKET in names, f"{BUCKET} not in {names}")
    check(BUCKET not in [b["Name"] for b in outsider.list_buckets()["Buckets"]], "the outsider lists the customer's bucket")
    enc = c.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    equal(enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"], "AES256", "baseline default encryption")


@suite.section
def awkward_keys():
    etags = {}
    for key in KEYS:
        put = c.put_object(Bucket=BUCKET, Key=key, Body=body_of(key), Metadata={"origin": "boto3"})
        equal(put["ServerSideEncryption"], "AES256", f"{key!r}: SSE of a PUT into a bucket without default encryption")
        check("ChecksumCRC32" in put, f"{key!r}: boto3 sent a CRC32 by default and the server echoes it")
        etags[key] = put["ETag"]
    for key in KEYS:
        got = c.get_object(Bucket=BUCKET, Key=key)
        equal(got["Body"].read(), body_of(key), f"{key!r}: bytes read back")
        equal(got["ETag"], etags[key], f"{key!r}: ETag")
        equal(got["Metadata"], {"origin": "boto3"}, f"{key!r}: metadata")
        head = c.head_object(Bucket=BUCKET, Key=key)
        equal(head["ContentLength"], len(body_of(key)), f"{key!r}: HeadObject length")
    listed = []
    for page in c.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, PaginationConfig={"PageSize": 2}):
        listed += [o["Key"] for o in page.get("Contents", [])]
    equal(listed, sorted(KEYS, key=lambda k: k.encode("utf-8")), "keys listed by the paginator (EncodingType=url), in UTF-8 binary order")
    return {"etags": etags}


@suite.section
def empty_object():
    put = c.put_object(Bucket=BUCKET, Key="empty", Body=b"")
    equal(put.get("ChecksumCRC32"), "AAAAAA==", "CRC32 of no bytes")
    got = c.get_object(Bucket=BUCKET, Key="empty", ChecksumMode="ENABLED")
    equal(got["Body"].read(), b"", "empty body")
    equal(got["ContentLength"], 0, "ContentLength")
    equal(got.get("ChecksumCRC32"), "AAAAAA==", "stored CRC32 of no bytes")


@suite.section
def presigned_urls():
    # boto3 presigns with SigV2 unless told otherwise; S3 has required SigV4 for buckets created since
    # 2020, so the URLs are SigV4 (the only change from the defaults here).
    v4 = s3("CUSTOMER", signature_version="s3v4")
    key = "presigned/a b ü.txt"
    data = b"presigned bytes " * 1000
    c.put_object(Bucket=BUCKET, Key=key, Body=data)
    return {
        "key": key,
        "sha256": hashlib.sha256(data).hexdigest(),
        "url": v4.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=600),
        "expiring": v4.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=1),
        "sigv2": c.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=600),
    }


suite.run()
