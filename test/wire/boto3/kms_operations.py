"""boto3 against opencmk: every key-service operation, key states and rotation, in one process."""

import json
import os
import re
import time
import uuid

from kms_common import (
    DAY,
    BLOB_MATERIAL,
    BLOB_NONCE,
    Suite,
    account,
    alias_arn,
    check,
    client,
    equal,
    error,
    key_arn,
    material_version,
    near,
    not_authorized,
)

kms = client("CUSTOMER")
outsider = client("OUTSIDER")
quiet = client("PROVIDER2", region="eu-west-1")  # nothing else creates keys there: listings are exact
CUSTOMER = account("CUSTOMER")
suite = Suite("kms_operations")
_n = [0]


def unique(prefix):
    _n[0] += 1
    return f"{prefix}-{os.getpid()}-{_n[0]}"


def create_key(c=kms, **params):
    meta = c.create_key(**params)["KeyMetadata"]
    check(meta.get("KeyId") and meta.get("Arn"), "CreateKey returns KeyId and Arn")
    return meta


def encrypt(key_id, plaintext, context=None, c=kms):
    params = {"KeyId": key_id, "Plaintext": plaintext}
    if context is not None:
        params["EncryptionContext"] = context
    return c.encrypt(**params)["CiphertextBlob"]


def decrypt(blob, context=None, key_id=None, c=kms):
    params = {"CiphertextBlob": blob}
    if context is not None:
        params["EncryptionContext"] = context
    if key_id is not None:
        params["KeyId"] = key_id
    return c.decrypt(**params)["Plaintext"]


@suite.section
def keys_create_describe_update():
    start = time.time()
    m = create_key(Description="boto3 metadata", Tags=[{"TagKey": "team", "TagValue": "storage"}])
    check(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", m["KeyId"]), f"KeyId is a UUID: {m['KeyId']}")
    equal(m["Arn"], key_arn("us-east-1", CUSTOMER, m["KeyId"]), "Arn")
    equal(m["AWSAccountId"], CUSTOMER, "AWSAccountId")
    for field, value in [("KeyState", "Enabled"), ("Enabled", True), ("KeyUsage", "ENCRYPT_DECRYPT"), ("KeySpec", "SYMMETRIC_DEFAULT"),
                         ("Origin", "AWS_KMS"), ("KeyManager", "CUSTOMER"), ("Description", "boto3 metadata"),
                         ("EncryptionAlgorithms", ["SYMMETRIC_DEFAULT"]), ("MultiRegion", False)]:
        equal(m.get(field), value, f"CreateKey {field}")
    near(m["CreationDate"], start, 10, "CreationDate")
    for ref in (m["KeyId"], m["Arn"]):
        d = kms.describe_key(KeyId=ref)["KeyMetadata"]
        equal(d["Arn"], m["Arn"], f"DescribeKey({ref}) Arn")
        equal(d["CreationDate"], m["CreationDate"], "DescribeKey CreationDate")
    kms.update_key_description(KeyId=m["KeyId"], Description="changed")
    equal(kms.describe_key(KeyId=m["Arn"])["KeyMetadata"]["Description"], "changed", "description after UpdateKeyDescription")
    equal(kms.list_resource_tags(KeyId=m["KeyId"])["Tags"], [{"TagKey": "team", "TagValue": "storage"}], "tags given to CreateKey")


@suite.section
def list_keys_paging():
    created = {create_key(quiet)["KeyId"] for _ in range(5)}
    listed, pages, marker = [], [], None
    while True:
        page = quiet.list_keys(Limit=2, **({"Marker": marker} if marker else {}))
        pages.append(len(page["Keys"]))
        for k in page["Keys"]:
            listed.append(k["KeyId"])
            equal(k["KeyArn"], key_arn("eu-west-1", account("PROVIDER2"), k["KeyId"]), "ListKeys KeyArn")
        if not page["Truncated"]:
            check("NextMarker" not in page, "the last page has no NextMarker")
            break
        check(page.get("NextMarker"), "a truncated page has NextMarker")
        marker = page["NextMarker"]
    equal(pages, [2, 2, 1], "page sizes with Limit 2")
    equal(sorted(listed), sorted(created), "keys listed over all pages")
    equal(len(quiet.list_keys()["Keys"]), 5, "ListKeys without Limit")
    check(not set(created) & {k["KeyId"] for k in kms.list_keys(Limit=1000)["Keys"]}, "another account's keys are not listed")


@suite.section
def aliases():
    a, b = create_key(), create_key()
    name = f"alias/{unique('boto3-app')}"
    arn = alias_arn("us-east-1", CUSTOMER, name)
    kms.create_alias(AliasName=name, TargetKeyId=a["KeyId"])
    equal(kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"], a["KeyId"], "DescribeKey by alias name")
    equal(kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyId"], a["KeyId"], "DescribeKey by alias ARN")
    out = kms.encrypt(KeyId=name, Plaintext=b"via alias")
    equal(out["KeyId"], a["Arn"], "Encrypt by alias answers the key ARN")
    equal(decrypt(out["CiphertextBlob"], key_id=arn), b"via alias", "Decrypt with KeyId = alias ARN")
    of_a = kms.list_aliases(KeyId=a["KeyId"])["Aliases"]
    equal([(x["AliasName"], x["AliasArn"], x["TargetKeyId"]) for x in of_a], [(name, arn, a["KeyId"])], "ListAliases(KeyId=a)")
    error(kms.create_alias, "AlreadyExistsException", f"An alias with the name {arn} already exists", AliasName=name, TargetKeyId=b["KeyId"])
    error(kms.create_alias, "NotAuthorizedException", AliasName="alias/aws/boto3", TargetKeyId=a["KeyId"])
    error(kms.create_alias, "ValidationException",
          'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
          AliasName="boto3-no-prefix", TargetKeyId=a["KeyId"])
    kms.update_alias(AliasName=name, TargetKeyId=b["Arn"])
    equal(kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"], b["KeyId"], "DescribeKey by alias after UpdateAlias")
    equal(kms.list_aliases(KeyId=a["KeyId"])["Aliases"], [], "ListAliases(KeyId=a) after UpdateAlias")
    equal([x["AliasName"] for x in kms.list_aliases(KeyId=b["Arn"])["Aliases"]], [name], "ListAliases(KeyId=b ARN)")
    check(any(x["AliasName"] == name for x in kms.list_aliases(Limit=1000)["Aliases"]), "ListAliases without KeyId lists the alias")
    kms.delete_alias(AliasName=name)
    gone = f"Alias {arn} is not found."
    error(kms.describe_key, "NotFoundException", gone, KeyId=name)
    error(kms.delete_alias, "NotFoundException", gone, AliasName=name)
    error(kms.update_alias, "NotFoundException", gone, AliasName=name, TargetKeyId=a["KeyId"])
    # UpdateAlias keeps the key type (symmetric, asymmetric, HMAC) and usage; the key spec may change.
    rsa = create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    ecc = create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    hmac = create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    signing = f"alias/{unique('boto3-signing')}"
    kms.create_alias(AliasName=signing, TargetKeyId=rsa["KeyId"])
    kms.update_alias(AliasName=signing, TargetKeyId=ecc["Arn"])
    equal(kms.describe_key(KeyId=signing)["KeyMetadata"]["KeyId"], ecc["KeyId"], "alias moved from RSA_2048 to ECC_NIST_P256 (both SIGN_VERIFY)")
    error(kms.update_alias, "ValidationException", AliasName=signing, TargetKeyId=hmac["KeyId"])
    error(kms.update_alias, "ValidationException", AliasName=signing, TargetKeyId=b["KeyId"])
    equal(kms.describe_key(KeyId=signing)["KeyMetadata"]["KeyId"], ecc["KeyId"], "refused updates leave the alias alone")
    # Paging over a key's aliases.
    names = [f"alias/{unique('boto3-page')}" for _ in range(3)]
    for n in names:
        kms.create_alias(AliasName=n, TargetKeyId=a["KeyId"])
    first = kms.list_aliases(KeyId=a["KeyId"], Limit=2)
    equal((len(first["Aliases"]), first["Truncated"]), (2, True), "first page of aliases")
    rest = kms.list_aliases(KeyId=a["KeyId"], Limit=2, Marker=first["NextMarker"])
    equal((len(rest["Aliases"]), rest["Truncated"]), (1, False), "second page of aliases")
    equal(sorted(x["AliasName"] for x in first["Aliases"] + rest["Aliases"]), sorted(names), "aliases over both pages")


@suite.section
def tags():
    key = create_key()["KeyId"]
    kms.tag_resource(KeyId=key, Tags=[{"TagKey": "b", "TagValue": "2"}, {"TagKey": "a", "TagValue": "1"}, {"TagKey": "c", "TagValue": ""}])
    kms.tag_resource(KeyId=key, Tags=[{"TagKey": "a", "TagValue": "one"}])
    equal(kms.list_resource_tags(KeyId=key)["Tags"],
          [{"TagKey": "a", "TagValue": "one"}, {"TagKey": "b", "TagValue": "2"}, {"TagKey": "c", "TagValue": ""}], "tags, sorted, a overwritten")
    page = kms.list_resource_tags(KeyId=key, Limit=1)
    equal((len(page["Tags"]), page["Truncated"]), (1, True), "ListResourceTags Limit 1")
    page2 = kms.list_resource_tags(KeyId=key, Limit=5, Marker=page["NextMarker"])
    equal([t["TagKey"] for t in page2["Tags"]], ["b", "c"], "ListResourceTags after the marker")
    kms.untag_resource(KeyId=key, TagKeys=["b", "never-set"])
    equal([t["TagKey"] for t in kms.list_resource_tags(KeyId=key)["Tags"]], ["a", "c"], "tags after UntagResource")
    error(kms.tag_resource, "TagException", KeyId=key, Tags=[{"TagKey": "aws:owned", "TagValue": "x"}])


@suite.section
def key_policies():
    key = create_key()
    got = kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")
    policy = json.loads(got["Policy"])
    equal(policy["Statement"][0]["Principal"], {"AWS": f"arn:aws:iam::{CUSTOMER}:root"}, "default policy principal")
    equal(policy["Statement"][0]["Action"], "kms:*", "default policy action")
    equal(kms.list_key_policies(KeyId=key["Arn"])["PolicyNames"], ["default"], "ListKeyPolicies")
    error(outsider.encrypt, "AccessDeniedException", not_authorized("OUTSIDER", "kms:Encrypt", key["Arn"]), KeyId=key["Arn"], Plaintext=b"x")
    policy["Statement"].append({
        "Sid": "outsider may encrypt",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account('OUTSIDER')}:root"},
        "Action": ["kms:Encrypt", "kms:DescribeKey"],
        "Resource": "*",
    })
    document = json.dumps(policy, indent=2)
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=document)
    equal(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"], document, "GetKeyPolicy after PutKeyPolicy")
    blob = outsider.encrypt(KeyId=key["Arn"], Plaintext=b"cross-account")["CiphertextBlob"]
    equal(decrypt(blob), b"cross-account", "the owner decrypts what the outsider encrypted")
    error(outsider.decrypt, "AccessDeniedException", not_authorized("OUTSIDER", "kms:Decrypt", key["Arn"]), CiphertextBlob=blob)
    error(kms.put_key_policy, "MalformedPolicyDocumentException", KeyId=key["KeyId"], PolicyName="default", Policy="{ not json")
    lockout = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account('OUTSIDER')}:root"}, "Action": "kms:*", "Resource": "*"}]})
    error(kms.put_key_policy, "MalformedPolicyDocumentException", "The new key policy will not allow you to update the key policy in the future.",
          KeyId=key["KeyId"], PolicyName="default", Policy=lockout)
    error(kms.get_key_policy, "NotFoundException", KeyId=key["KeyId"], PolicyName="other")


@suite.section
def rotation_settings():
    key = create_key()
    status = kms.get_key_rotation_status(KeyId=key["KeyId"])
    equal(status["KeyRotationEnabled"], False, "rotation is off on a new key")
    t0 = time.time()
    kms.enable_key_rotation(KeyId=key["KeyId"])
    status = kms.get_key_rotation_status(KeyId=key["Arn"])
    equal((status["KeyRotationEnabled"], status.get("RotationPeriodInDays")), (True, 365), "default rotation period")
    near(status.get("NextRotationDate"), t0 + 365 * DAY, 60, "NextRotationDate with the default period")
    kms_nv = client("CUSTOMER", validate=False)  # botocore itself refuses values under the model's minimum
    for days in (0, 89, 2561):
        error(kms_nv.enable_key_rotation, "ValidationException", KeyId=key["KeyId"], RotationPeriodInDays=days)
    equal(kms.get_key_rotation_status(KeyId=key["KeyId"])["RotationPeriodInDays"], 365, "refused periods changed nothing")
    for days in (90, 2560):
        t0 = time.time()
        kms.enable_key_rotation(KeyId=key["KeyId"], RotationPeriodInDays=days)
        status = kms.get_key_rotation_status(KeyId=key["KeyId"])
        equal(status["RotationPeriodInDays"], days, "RotationPeriodInDays")
        near(status.get("NextRotationDate"), t0 + days * DAY, 60, f"NextRotationDate for {days} days")
    kms.disable_key_rotation(KeyId=key["KeyId"])
    equal(kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"], False, "rotation off after DisableKeyRotation")
    hmac = create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    error(kms.enable_key_rotation, "UnsupportedOperationException", KeyId=hmac["KeyId"])


@suite.section
def rotate_on_demand():
    key = create_key()
    context = {"purpose": "rotation"}
    v1 = encrypt(key["KeyId"], b"sealed with v1", context)
    equal(material_version(v1), 1, "material version of the first ciphertext")
    equal(kms.list_key_rotations(KeyId=key["KeyId"])["Rotations"], [], "no rotations yet")
    t0 = time.time()
    equal(kms.rotate_key_on_demand(KeyId=key["KeyId"])["KeyId"], key["Arn"], "RotateKeyOnDemand KeyId")
    v2 = encrypt(key["KeyId"], b"sealed with v2", context)
    equal(material_version(v2), 2, "material version after RotateKeyOnDemand")
    check(v1[BLOB_MATERIAL:BLOB_NONCE] != v2[BLOB_MATERIAL:BLOB_NONCE], "the headers name different material")
    equal(decrypt(v1, context), b"sealed with v1", "pre-rotation ciphertext decrypts")
    equal(decrypt(v2, context, key["Arn"]), b"sealed with v2", "post-rotation ciphertext decrypts")
    rotations = kms.list_key_rotations(KeyId=key["KeyId"])["Rotations"]
    equal([r["RotationType"] for r in rotations], ["ON_DEMAND"], "ListKeyRotations")
    equal(rotations[0]["KeyId"], key["Arn"], "ListKeyRotations KeyId")
    near(rotations[0]["RotationDate"], t0, 10, "RotationDate")
    everything = kms.list_key_rotations(KeyId=key["KeyId"], IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]
    equal(len(everything), 2, "ALL_KEY_MATERIAL lists the original material too")
    current = [r["KeyMaterialId"] for r in everything if r.get("KeyMaterialState") == "CURRENT"]
    equal(current, [kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"].get("CurrentKeyMaterialId")], "the CURRENT material is DescribeKey's")
    upgraded = kms.re_encrypt(CiphertextBlob=v1, SourceEncryptionContext=context, DestinationKeyId=key["KeyId"], DestinationEncryptionContext=context)
    equal(material_version(upgraded["CiphertextBlob"]), 2, "ReEncrypt onto the same key uses the current material")
    equal(decrypt(upgraded["CiphertextBlob"], context), b"sealed with v1", "the re-encrypted blob decrypts")


@suite.section
def encrypt_decrypt_reencrypt():
    key, other = create_key(), create_key()
    alias = f"alias/{unique('boto3-crypto')}"
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    context = {"tenant": "acme", "path": "a/b"}
    out = kms.encrypt(KeyId=key["Arn"], Plaintext=b"\x00binary\xff", EncryptionContext=context)
    equal((out["KeyId"], out["EncryptionAlgorithm"]), (key["Arn"], "SYMMETRIC_DEFAULT"), "Encrypt answer")
    blob = out["CiphertextBlob"]
    equal(blob[1:17].hex(), key["KeyId"].replace("-", ""), "the blob names its key")
    for key_id in (None, key["KeyId"], key["Arn"], alias, alias_arn("us-east-1", CUSTOMER, alias)):
        params = {"CiphertextBlob": blob, "EncryptionContext": dict(reversed(list(context.items())))}
        if key_id:
            params["KeyId"] = key_id
        dec = kms.decrypt(**params)
        equal((dec["Plaintext"], dec["KeyId"], dec["EncryptionAlgorithm"]), (b"\x00binary\xff", key["Arn"], "SYMMETRIC_DEFAULT"), f"Decrypt with KeyId {key_id}")
    big = os.urandom(4096)
    equal(decrypt(encrypt(key["KeyId"], big)), big, "4096-byte plaintext round-trips")
    moved = kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext=context, SourceKeyId=alias,
                           DestinationKeyId=other["KeyId"], DestinationEncryptionContext={"moved": "yes"})
    equal((moved["SourceKeyId"], moved["KeyId"]), (key["Arn"], other["Arn"]), "ReEncrypt source and destination")
    equal(decrypt(moved["CiphertextBlob"], {"moved": "yes"}), b"\x00binary\xff", "re-encrypted blob decrypts with the new context")
    error(kms.decrypt, "InvalidCiphertextException", CiphertextBlob=moved["CiphertextBlob"], EncryptionContext=context)


@suite.section
def data_keys_and_random():
    key = create_key()
    for params, length in (({"KeySpec": "AES_256"}, 32), ({"KeySpec": "AES_128"}, 16), ({"NumberOfBytes": 1}, 1), ({"NumberOfBytes": 1024}, 1024)):
        dk = kms.generate_data_key(KeyId=key["KeyId"], EncryptionContext={"k": "v"}, **params)
        equal(len(dk["Plaintext"]), length, f"GenerateDataKey {params}")
        equal(dk["KeyId"], key["Arn"], "GenerateDataKey KeyId")
        equal(decrypt(dk["CiphertextBlob"], {"k": "v"}), dk["Plaintext"], f"data key {params} decrypts")
    wop = kms.generate_data_key_without_plaintext(KeyId=key["Arn"], KeySpec="AES_256")
    check("Plaintext" not in wop, "GenerateDataKeyWithoutPlaintext returns no plaintext")
    equal(len(decrypt(wop["CiphertextBlob"])), 32, "Decrypt of a GenerateDataKeyWithoutPlaintext blob")
    neither = "Please specify either number of bytes or key spec."
    error(kms.generate_data_key, "ValidationException", neither, KeyId=key["KeyId"])
    error(kms.generate_data_key, "ValidationException", KeyId=key["KeyId"], KeySpec="AES_256", NumberOfBytes=32)
    error(kms.generate_data_key_without_plaintext, "ValidationException", neither, KeyId=key["KeyId"])
    for n in (1, 1024):
        equal(len(kms.generate_random(NumberOfBytes=n)["Plaintext"]), n, f"GenerateRandom {n}")
    check(kms.generate_random(NumberOfBytes=32)["Plaintext"] != kms.generate_random(NumberOfBytes=32)["Plaintext"], "random bytes differ")
    kms_nv = client("CUSTOMER", validate=False)
    for n in (0, 1025):
        error(kms_nv.generate_random, "ValidationException", NumberOfBytes=n)
        error(kms_nv.generate_data_key, "ValidationException", KeyId=key["KeyId"], NumberOfBytes=n)


@suite.section
def key_states():
    key, other = create_key(), create_key()
    arn = key["Arn"]
    blob = encrypt(key["KeyId"], b"state")
    kms.disable_key(KeyId=key["KeyId"])
    d = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    equal((d["KeyState"], d["Enabled"]), ("Disabled", False), "after DisableKey")
    disabled = f"{arn} is disabled."
    error(kms.encrypt, "DisabledException", disabled, KeyId=key["KeyId"], Plaintext=b"x")
    error(kms.decrypt, "DisabledException", disabled, CiphertextBlob=blob)
    error(kms.generate_data_key, "DisabledException", disabled, KeyId=key["KeyId"], KeySpec="AES_256")
    error(kms.generate_data_key_without_plaintext, "DisabledException", disabled, KeyId=key["KeyId"], KeySpec="AES_256")
    error(kms.re_encrypt, "DisabledException", disabled, CiphertextBlob=blob, DestinationKeyId=other["KeyId"])
    error(kms.cancel_key_deletion, "KMSInvalidStateException", re.compile("^" + re.escape(arn)), KeyId=key["KeyId"])
    kms.enable_key(KeyId=key["KeyId"])
    equal(decrypt(blob), b"state", "decrypts again after EnableKey")

    t0 = time.time()
    scheduled = kms.schedule_key_deletion(KeyId=key["KeyId"])
    equal((scheduled["KeyId"], scheduled["KeyState"], scheduled["PendingWindowInDays"]), (arn, "PendingDeletion", 30), "ScheduleKeyDeletion default window")
    near(scheduled["DeletionDate"], t0 + 30 * DAY, 60, "DeletionDate")
    d = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    equal((d["KeyState"], d["Enabled"], d["DeletionDate"]), ("PendingDeletion", False, scheduled["DeletionDate"]), "DescribeKey while pending deletion")
    pending = f"{arn} is pending deletion."
    error(kms.encrypt, "KMSInvalidStateException", pending, KeyId=key["KeyId"], Plaintext=b"x")
    error(kms.decrypt, "KMSInvalidStateException", pending, CiphertextBlob=blob)
    error(kms.generate_data_key, "KMSInvalidStateException", pending, KeyId=key["KeyId"], NumberOfBytes=16)
    error(kms.enable_key, "KMSInvalidStateException", pending, KeyId=key["KeyId"])
    error(kms.disable_key, "KMSInvalidStateException", pending, KeyId=key["KeyId"])
    error(kms.schedule_key_deletion, "KMSInvalidStateException", pending, KeyId=key["KeyId"], PendingWindowInDays=7)
    equal(kms.cancel_key_deletion(KeyId=key["KeyId"])["KeyId"], arn, "CancelKeyDeletion KeyId")
    d = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    equal((d["KeyState"], d["Enabled"], "DeletionDate" in d), ("Disabled", False, False), "after CancelKeyDeletion the key is Disabled")
    error(kms.encrypt, "DisabledException", disabled, KeyId=key["KeyId"], Plaintext=b"x")
    kms.enable_key(KeyId=key["KeyId"])
    equal(decrypt(blob), b"state", "works again after EnableKey")

    kms_nv = client("CUSTOMER", validate=False)
    for days in (0, 5, 31):
        error(kms_nv.schedule_key_deletion, "ValidationException", KeyId=key["KeyId"], PendingWindowInDays=days)
    seven = kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    equal(seven["PendingWindowInDays"], 7, "PendingWindowInDays 7")
    kms.cancel_key_deletion(KeyId=key["Arn"])


suite.run()
