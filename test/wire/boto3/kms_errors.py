"""boto3 against opencmk: the refusals. Tampered ciphertexts, validation, unknown keys, key usage,
bad signatures, other accounts and other regions, each with AWS's error code (and text where fixed)."""

import os
import re
import uuid

from kms_common import (
    BLOB_BODY,
    BLOB_KEY_ID,
    BLOB_MATERIAL,
    BLOB_NONCE,
    BLOB_TAG,
    INCORRECT_KEY,
    CheckFailed,
    SIGNATURE_MISMATCH,
    UNKNOWN_KEY_CIPHERTEXT,
    Suite,
    account,
    alias_arn,
    check,
    client,
    equal,
    error,
    flip,
    key_arn,
    not_authorized,
)

kms = client("CUSTOMER")
kms_nv = client("CUSTOMER", validate=False)
outsider = client("OUTSIDER")
west = client("CUSTOMER", region="us-west-2")
CUSTOMER = account("CUSTOMER")
OUTSIDER = account("OUTSIDER")
suite = Suite("kms_errors")


def create_key(c=kms, **params):
    return c.create_key(**params)["KeyMetadata"]


@suite.section
def tampered_ciphertexts():
    key, other = create_key(), create_key()
    context = {"purpose": "tamper"}
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"do not touch", EncryptionContext=context)["CiphertextBlob"]
    equal(kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)["Plaintext"], b"do not touch", "the untouched blob opens")
    positions = {
        "version": 0,
        "material version": BLOB_MATERIAL + 3,
        "material version high byte": BLOB_MATERIAL,
        "nonce": BLOB_NONCE,
        "body": BLOB_BODY,
        "body end": len(blob) - BLOB_TAG - 1,
        "tag": len(blob) - BLOB_TAG,
        "tag end": len(blob) - 1,
    }
    for what, at in positions.items():
        for mask, key_id in ((0x01, None), (0x80, None), (0x01, key["Arn"])):
            params = {"CiphertextBlob": flip(blob, at, mask), "EncryptionContext": context, **({"KeyId": key_id} if key_id else {})}
            try:
                error(kms.decrypt, "InvalidCiphertextException", **params)
            except CheckFailed as e:
                raise CheckFailed(f"{what} (byte {at} ^ {mask:#04x}, KeyId {key_id}): {e}") from None
    for length in (len(blob) - 1, len(blob) - BLOB_TAG, 48, 33, 17, 1):
        error(kms.decrypt, "InvalidCiphertextException", CiphertextBlob=blob[:length], EncryptionContext=context)
    error(kms.decrypt, "InvalidCiphertextException", CiphertextBlob=blob + b"\x00", EncryptionContext=context)
    # Never starting with the v1 version byte: that would parse as a header naming an unknown key.
    for garbage in (b"\x7f" + os.urandom(63), b"definitely not a ciphertext blob, only some text", b"\x7f" + os.urandom(299)):
        error(kms.decrypt, "InvalidCiphertextException", CiphertextBlob=garbage)
    # Wrong, missing, extra or differently cased context.
    for wrong in ({"purpose": "other"}, {"Purpose": "tamper"}, {}, {"purpose": "tamper", "extra": "x"}):
        error(kms.decrypt, "InvalidCiphertextException", CiphertextBlob=blob, EncryptionContext=wrong)
    error(kms.decrypt, "InvalidCiphertextException", CiphertextBlob=blob)
    # Naming another key, or a blob whose key-id bytes no longer name a key.
    error(kms.decrypt, "IncorrectKeyException", re.compile(INCORRECT_KEY), CiphertextBlob=blob, EncryptionContext=context, KeyId=other["KeyId"])
    renamed = flip(blob, BLOB_KEY_ID + 3)
    error(kms.decrypt, "AccessDeniedException", UNKNOWN_KEY_CIPHERTEXT, CiphertextBlob=renamed, EncryptionContext=context)
    relabelled = blob[:BLOB_KEY_ID] + bytes.fromhex(other["KeyId"].replace("-", "")) + blob[BLOB_MATERIAL:]
    error(kms.decrypt, "InvalidCiphertextException", CiphertextBlob=relabelled, EncryptionContext=context)
    error(kms.re_encrypt, "IncorrectKeyException", re.compile(INCORRECT_KEY), CiphertextBlob=blob, SourceEncryptionContext=context,
          SourceKeyId=other["KeyId"], DestinationKeyId=other["KeyId"])
    equal(kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)["Plaintext"], b"do not touch", "the original still opens")


@suite.section
def validation():
    key = create_key()
    error(kms.encrypt, "ValidationException",
          "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
          KeyId=key["KeyId"], Plaintext=b"x" * 4097)
    equal(len(kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x" * 4096)["CiphertextBlob"]), 33 + 4096 + 16, "a 4096-byte plaintext is accepted")
    for days in (5, 6, 31):
        error(kms_nv.schedule_key_deletion, "ValidationException", KeyId=key["KeyId"], PendingWindowInDays=days)
    for days in (89, 2561):
        error(kms_nv.enable_key_rotation, "ValidationException", KeyId=key["KeyId"], RotationPeriodInDays=days)
    error(kms_nv.generate_data_key, "ValidationException", KeyId=key["KeyId"], KeySpec="AES_512")
    error(kms_nv.generate_random, "ValidationException", NumberOfBytes=1025)
    equal(kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"], "Enabled", "refused requests changed nothing")


@suite.section
def unknown_and_malformed_keys():
    missing_id = str(uuid.uuid4())
    arn = key_arn("us-east-1", CUSTOMER, missing_id)
    missing = f"Key '{arn}' does not exist"
    error(kms.describe_key, "NotFoundException", missing, KeyId=missing_id)
    error(kms.describe_key, "NotFoundException", missing, KeyId=arn)
    error(kms.encrypt, "NotFoundException", missing, KeyId=missing_id, Plaintext=b"x")
    error(kms.generate_data_key, "NotFoundException", missing, KeyId=arn, KeySpec="AES_256")
    error(kms.enable_key_rotation, "NotFoundException", missing, KeyId=missing_id)
    error(kms.cancel_key_deletion, "NotFoundException", missing, KeyId=missing_id)
    error(kms.encrypt, "NotFoundException", f"Alias {alias_arn('us-east-1', CUSTOMER, 'alias/boto3-nope')} is not found.",
          KeyId="alias/boto3-nope", Plaintext=b"x")
    for malformed in ("not-a-key", "1234", f"arn:aws:kms:us-east-1:{CUSTOMER}:key/not-a-uuid"):
        error(kms.describe_key, "NotFoundException", re.compile("Invalid keyId"), KeyId=malformed)


@suite.section
def key_usage():
    rsa = create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    equal((rsa["KeySpec"], rsa["KeyUsage"]), ("RSA_2048", "ENCRYPT_DECRYPT"), "RSA_2048 ENCRYPT_DECRYPT key")
    equal(rsa.get("EncryptionAlgorithms"), ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"], "RSA encryption algorithms")
    error(kms.generate_data_key, "InvalidKeyUsageException", re.compile("^" + re.escape(rsa["Arn"])), KeyId=rsa["KeyId"], KeySpec="AES_256")
    error(kms.generate_data_key_without_plaintext, "InvalidKeyUsageException", KeyId=rsa["KeyId"], NumberOfBytes=32)
    hmac = create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    error(kms.encrypt, "InvalidKeyUsageException", re.compile(re.escape(hmac["Arn"]) + " key usage is GENERATE_VERIFY_MAC"), KeyId=hmac["KeyId"], Plaintext=b"x")
    error(kms.generate_data_key, "InvalidKeyUsageException", KeyId=hmac["KeyId"], KeySpec="AES_256")
    symmetric = create_key()
    error(kms.encrypt, "InvalidKeyUsageException", KeyId=symmetric["KeyId"], Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256")


@suite.section
def bad_signatures():
    wrong = client("CUSTOMER", secret="wrong-secret-key-0000000000000000000000")
    error(wrong.list_keys, "InvalidSignatureException", SIGNATURE_MISMATCH)
    error(wrong.encrypt, "InvalidSignatureException", SIGNATURE_MISMATCH, KeyId="alias/any", Plaintext=b"x")
    unknown = client("CUSTOMER", access_key="AKIABOTO3UNKNOWN0001")
    error(unknown.list_keys, "UnrecognizedClientException", "The security token included in the request is invalid.")
    error(unknown.generate_random, "UnrecognizedClientException", NumberOfBytes=8)


@suite.section
def other_accounts():
    key = create_key()
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"customer only")["CiphertextBlob"]
    arn = key["Arn"]
    error(outsider.describe_key, "AccessDeniedException", not_authorized("OUTSIDER", "kms:DescribeKey", arn), KeyId=arn)
    error(outsider.encrypt, "AccessDeniedException", not_authorized("OUTSIDER", "kms:Encrypt", arn), KeyId=arn, Plaintext=b"x")
    error(outsider.generate_data_key, "AccessDeniedException", not_authorized("OUTSIDER", "kms:GenerateDataKey", arn), KeyId=arn, KeySpec="AES_256")
    error(outsider.decrypt, "AccessDeniedException", not_authorized("OUTSIDER", "kms:Decrypt", arn), CiphertextBlob=blob)
    error(outsider.schedule_key_deletion, "AccessDeniedException", KeyId=arn, PendingWindowInDays=7)
    theirs = f"Key '{key_arn('us-east-1', OUTSIDER, key['KeyId'])}' does not exist"
    error(outsider.describe_key, "NotFoundException", theirs, KeyId=key["KeyId"])
    error(outsider.encrypt, "NotFoundException", theirs, KeyId=key["KeyId"], Plaintext=b"x")
    check(key["KeyId"] not in {k["KeyId"] for k in outsider.list_keys(Limit=1000)["Keys"]}, "the outsider does not list the key")
    equal(kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"], "Enabled", "the outsider changed nothing")


@suite.section
def regions():
    key = create_key(west, Description="west")
    equal(key["Arn"], key_arn("us-west-2", CUSTOMER, key["KeyId"]), "a us-west-2 key's ARN")
    blob = west.encrypt(KeyId=key["KeyId"], Plaintext=b"west data")["CiphertextBlob"]
    equal(west.decrypt(CiphertextBlob=blob)["Plaintext"], b"west data", "decrypts in its own region")
    error(kms.describe_key, "NotFoundException", f"Key '{key_arn('us-east-1', CUSTOMER, key['KeyId'])}' does not exist", KeyId=key["KeyId"])
    error(kms.describe_key, "NotFoundException", KeyId=key["Arn"])
    error(kms.encrypt, "NotFoundException", KeyId=key["Arn"], Plaintext=b"x")
    error(kms.decrypt, "AccessDeniedException", UNKNOWN_KEY_CIPHERTEXT, CiphertextBlob=blob)
    east_ids = {k["KeyId"] for k in kms.list_keys(Limit=1000)["Keys"]}
    west_keys = west.list_keys(Limit=1000)["Keys"]
    check(key["KeyId"] not in east_ids, "us-east-1 does not list the us-west-2 key")
    check(key["KeyId"] in {k["KeyId"] for k in west_keys}, "us-west-2 lists it")
    check(all(k["KeyArn"].startswith(f"arn:aws:kms:us-west-2:{CUSTOMER}:key/") for k in west_keys), "us-west-2 lists only us-west-2 keys")
    # One alias name, one key per region.
    east = create_key()
    name = f"alias/boto3-regional-{os.getpid()}"
    kms.create_alias(AliasName=name, TargetKeyId=east["KeyId"])
    west.create_alias(AliasName=name, TargetKeyId=key["KeyId"])
    equal(kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"], east["KeyId"], "alias in us-east-1")
    equal(west.describe_key(KeyId=name)["KeyMetadata"]["KeyId"], key["KeyId"], "alias in us-west-2")


suite.run()
