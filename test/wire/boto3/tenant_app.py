"""The provider's application, as boto3 would run it: it stores a tenant's session data and VM
snapshots in the tenant's buckets (opencmk encrypts them under the tenant's key by bucket default).

MODE=write   writes SESSIONS small session objects and one SNAPSHOT_MIB MiB snapshot (multipart when
             the server supports it, else one large PUT); prints {"hashes": {...}, "snapshot": "multipart"|"single-put"}
MODE=read    reads every object back and prints {"hashes": {...}}
MODE=denied  tries one read and one write; prints the error code of each (they must fail)
"""
import hashlib
import json
import os
import random

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

tenant = os.environ["TENANT"]
sessions_bucket = f"{tenant}-sessions"
snapshots_bucket = f"{tenant}-snapshots"
s3 = boto3.client(
    "s3",
    endpoint_url=os.environ["ENDPOINT"],
    region_name="us-east-1",
    aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
    aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
)
MiB = 1024 * 1024
mode = os.environ["MODE"]


def sha(data):
    return hashlib.sha256(data).hexdigest()


def all_keys():
    for bucket in (sessions_bucket, snapshots_bucket):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for o in page.get("Contents", []):
                yield bucket, o["Key"]


if mode == "write":
    hashes = {}
    rng = random.Random(7)
    for i in range(int(os.environ.get("SESSIONS", "50"))):
        body = json.dumps({"session": i, "transcript": "x" * rng.randint(10, 4000)}).encode()
        s3.put_object(Bucket=sessions_bucket, Key=f"sessions/{i:04d}.json", Body=body, ContentType="application/json")
        hashes[f"{sessions_bucket}/sessions/{i:04d}.json"] = sha(body)
    snapshot = os.urandom(int(os.environ.get("SNAPSHOT_MIB", "200")) * MiB)
    key = "snapshots/vm-0001.img"
    how = "multipart"
    try:
        upload = s3.create_multipart_upload(Bucket=snapshots_bucket, Key=key)
        s3.abort_multipart_upload(Bucket=snapshots_bucket, Key=key, UploadId=upload["UploadId"])
    except ClientError as e:
        if e.response["Error"]["Code"] != "NotImplemented":
            raise
        how = "single-put"
    if how == "multipart":
        s3.upload_fileobj(__import__("io").BytesIO(snapshot), snapshots_bucket, key, Config=TransferConfig(multipart_threshold=16 * MiB, multipart_chunksize=16 * MiB))
    else:
        s3.put_object(Bucket=snapshots_bucket, Key=key, Body=snapshot)
    hashes[f"{snapshots_bucket}/{key}"] = sha(snapshot)
    print(json.dumps({"hashes": hashes, "snapshot": how}))
elif mode == "read":
    hashes = {}
    for bucket, key in all_keys():
        hashes[f"{bucket}/{key}"] = sha(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    print(json.dumps({"hashes": hashes}))
elif mode == "denied":
    out = {}
    try:
        s3.get_object(Bucket=sessions_bucket, Key="sessions/0000.json")["Body"].read()
        out["read"] = "ok"
    except ClientError as e:
        out["read"] = e.response["Error"]["Code"]
    try:
        s3.put_object(Bucket=sessions_bucket, Key="sessions/denied.json", Body=b"{}")
        out["write"] = "ok"
    except ClientError as e:
        out["write"] = e.response["Error"]["Code"]
    print(json.dumps(out))
