"""boto3 multipart uploads and copies at boto3's default settings (CRC32 checksums declared by
s3transfer): upload_file above a small multipart threshold, download_file, a managed multipart
copy (CreateMultipartUpload + UploadPartCopy in ranges) and CopyObject.

Run by test/wire/s3-multipart-clients.test.ts; BUCKET and KEY_ARN come from the environment (the
bucket exists, with SSE-KMS under KEY_ARN as its default encryption).
"""

import base64
import hashlib
import os
import tempfile
import zlib

from boto3.s3.transfer import TransferConfig

from s3_common import Suite, equal, check, error, s3

BUCKET = os.environ["BUCKET"]
KEY_ARN = os.environ["KEY_ARN"]
MiB = 1024 * 1024
SMALL = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=4)

client = s3()
suite = Suite("s3_multipart")
work = tempfile.mkdtemp(prefix="opencmk-boto3-mp-")
data = os.urandom(12 * MiB + 12345)
source = os.path.join(work, "source.bin")
with open(source, "wb") as f:
    f.write(data)


def crc32_b64(b):
    return base64.b64encode(zlib.crc32(b).to_bytes(4, "big")).decode()


@suite.section
def upload_file_in_parts():
    client.upload_file(source, BUCKET, "boto3/uploaded.bin", Config=SMALL, ExtraArgs={"Metadata": {"via": "boto3"}})
    head = client.head_object(Bucket=BUCKET, Key="boto3/uploaded.bin", ChecksumMode="ENABLED")
    equal(head["ContentLength"], len(data), "uploaded size")
    equal(head["ServerSideEncryption"], "aws:kms", "SSE of the upload")
    equal(head["SSEKMSKeyId"], KEY_ARN, "KMS key of the upload")
    equal(head["PartsCount"], 3, "parts of a 12 MiB upload in 5 MiB parts")
    check(head["ETag"].endswith('-3"'), f"multipart ETag {head['ETag']}")
    equal(head["Metadata"], {"via": "boto3"}, "user metadata of the upload")
    # s3transfer declares CRC32, so the object's checksum is the COMPOSITE CRC32 of the part CRC32s.
    chunks = [data[i:i + 5 * MiB] for i in range(0, len(data), 5 * MiB)]
    composite = base64.b64encode(zlib.crc32(b"".join(zlib.crc32(c).to_bytes(4, "big") for c in chunks)).to_bytes(4, "big")).decode()
    equal(head.get("ChecksumCRC32"), f"{composite}-3", "composite CRC32")
    equal(head.get("ChecksumType"), "COMPOSITE", "checksum type")
    target = os.path.join(work, "downloaded.bin")
    client.download_file(BUCKET, "boto3/uploaded.bin", target, Config=SMALL)
    with open(target, "rb") as f:
        check(f.read() == data, "download_file returned other bytes")
    ranged = client.get_object(Bucket=BUCKET, Key="boto3/uploaded.bin", Range=f"bytes={5 * MiB - 3}-{10 * MiB + 2}")["Body"].read()
    check(ranged == data[5 * MiB - 3:10 * MiB + 3], "a range across both part boundaries differs")
    return {"etag": head["ETag"]}


@suite.section
def managed_copy_uses_upload_part_copy():
    # Above the threshold, s3transfer copies with CreateMultipartUpload and UploadPartCopy ranges.
    client.copy({"Bucket": BUCKET, "Key": "boto3/uploaded.bin"}, BUCKET, "boto3/copied-in-parts.bin", Config=SMALL)
    head = client.head_object(Bucket=BUCKET, Key="boto3/copied-in-parts.bin")
    equal(head["PartsCount"], 3, "parts of the managed copy")
    equal(head["SSEKMSKeyId"], KEY_ARN, "KMS key of the managed copy")
    body = client.get_object(Bucket=BUCKET, Key="boto3/copied-in-parts.bin")["Body"].read()
    check(body == data, "the managed copy differs from its source")
    uploads = client.list_multipart_uploads(Bucket=BUCKET, Prefix="boto3/").get("Uploads", [])
    equal(uploads, [], "uploads left open")


@suite.section
def copy_object():
    small = os.urandom(100_000)
    client.put_object(Bucket=BUCKET, Key="boto3/small.bin", Body=small, Metadata={"a": "1"}, ContentType="text/plain")
    out = client.copy_object(Bucket=BUCKET, Key="boto3/small-copy.bin", CopySource={"Bucket": BUCKET, "Key": "boto3/small.bin"})
    result = out["CopyObjectResult"]
    check(result["ETag"].startswith('"') and len(result["ETag"]) == 34, f"CopyObject ETag {result['ETag']}")
    equal(result.get("ChecksumCRC32"), crc32_b64(small), "the checksum goes with the copy")
    equal(out["ServerSideEncryption"], "aws:kms", "SSE of the copy")
    equal(out["SSEKMSKeyId"], KEY_ARN, "KMS key of the copy")
    head = client.head_object(Bucket=BUCKET, Key="boto3/small-copy.bin")
    equal(head["Metadata"], {"a": "1"}, "metadata copied")
    equal(head["ContentType"], "text/plain", "content type copied")
    equal(client.get_object(Bucket=BUCKET, Key="boto3/small-copy.bin")["Body"].read(), small, "copied bytes")

    client.copy_object(
        Bucket=BUCKET, Key="boto3/small-copy.bin", CopySource=f"{BUCKET}/boto3/small-copy.bin",
        MetadataDirective="REPLACE", Metadata={"b": "2"}, ContentType="application/octet-stream",
    )
    head = client.head_object(Bucket=BUCKET, Key="boto3/small-copy.bin")
    equal(head["Metadata"], {"b": "2"}, "metadata replaced in place")
    equal(head["ContentType"], "application/octet-stream", "content type replaced in place")
    error(
        client.copy_object, "InvalidRequest", 400,
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        Bucket=BUCKET, Key="boto3/small-copy.bin", CopySource={"Bucket": BUCKET, "Key": "boto3/small-copy.bin"},
    )
    error(client.copy_object, "NoSuchKey", 404, Bucket=BUCKET, Key="boto3/x", CopySource={"Bucket": BUCKET, "Key": "boto3/none"})
    return {"copied": True}


suite.run()
