"""boto3 against opencmk: what the scheduler does while the server's clock moves on.

Run three times by test/wire/kms-boto3.test.ts, which restarts the server on the same data directory
in between with a clock offset (config testing.clockOffsetSeconds):
  OPENCMK_PHASE=setup          keys, an alias and ciphertexts; prints the state as JSON
  OPENCMK_PHASE=after-8-days   OPENCMK_STATE=<that JSON>: the 7-day key is deleted, nothing rotated
  OPENCMK_PHASE=after-91-days  OPENCMK_STATE=<that JSON>: the 90-day key rotated automatically
"""

import base64
import json
import os
import time

from kms_common import (
    DAY,
    UNKNOWN_KEY_CIPHERTEXT,
    Suite,
    account,
    alias_arn,
    check,
    client,
    equal,
    error,
    material_version,
    near,
)

PHASE = os.environ["OPENCMK_PHASE"]
STATE = json.loads(os.environ.get("OPENCMK_STATE", "{}"))
kms = client("CUSTOMER")
suite = Suite(f"kms_schedule:{PHASE}")
ALIAS = "alias/boto3-doomed"
CONTEXT = {"era": "before"}
b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
unb64 = base64.b64decode


def setup():
    doomed = kms.create_key(Description="deleted after 7 days")["KeyMetadata"]
    kms.create_alias(AliasName=ALIAS, TargetKeyId=doomed["KeyId"])
    doomed_blob = kms.encrypt(KeyId=ALIAS, Plaintext=b"lost forever")["CiphertextBlob"]
    out = kms.schedule_key_deletion(KeyId=doomed["KeyId"], PendingWindowInDays=7)
    equal(out["PendingWindowInDays"], 7, "PendingWindowInDays")
    slow = kms.create_key(Description="deleted after 30 days")["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=slow["Arn"])
    rotating = kms.create_key(Description="rotates every 90 days")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=rotating["KeyId"], RotationPeriodInDays=90)
    old_blob = kms.encrypt(KeyId=rotating["KeyId"], Plaintext=b"pre-rotation", EncryptionContext=CONTEXT)["CiphertextBlob"]
    equal(material_version(old_blob), 1, "material version before rotation")
    return {
        "doomed": {"KeyId": doomed["KeyId"], "Arn": doomed["Arn"], "blob": b64(doomed_blob)},
        "slow": {"KeyId": slow["KeyId"], "Arn": slow["Arn"]},
        "rotating": {"KeyId": rotating["KeyId"], "Arn": rotating["Arn"], "blob": b64(old_blob)},
    }


def after_8_days():
    doomed, slow, rotating = STATE["doomed"], STATE["slow"], STATE["rotating"]
    gone = f"Key '{doomed['Arn']}' does not exist"
    error(kms.describe_key, "NotFoundException", gone, KeyId=doomed["KeyId"])
    error(kms.describe_key, "NotFoundException", gone, KeyId=doomed["Arn"])
    error(kms.encrypt, "NotFoundException", f"Alias {alias_arn('us-east-1', account('CUSTOMER'), ALIAS)} is not found.", KeyId=ALIAS, Plaintext=b"x")
    check(ALIAS not in {a["AliasName"] for a in kms.list_aliases(Limit=1000)["Aliases"]}, "the alias was deleted with its key")
    check(doomed["KeyId"] not in {k["KeyId"] for k in kms.list_keys(Limit=1000)["Keys"]}, "ListKeys no longer lists the key")
    error(kms.decrypt, "AccessDeniedException", UNKNOWN_KEY_CIPHERTEXT, CiphertextBlob=unb64(doomed["blob"]))
    equal(kms.describe_key(KeyId=slow["KeyId"])["KeyMetadata"]["KeyState"], "PendingDeletion", "the 30-day key is still pending")
    equal(kms.list_key_rotations(KeyId=rotating["KeyId"])["Rotations"], [], "no rotation before 90 days")
    fresh = kms.encrypt(KeyId=rotating["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    equal(material_version(fresh), 1, "still the first material after 8 days")
    kms.create_alias(AliasName=ALIAS, TargetKeyId=rotating["KeyId"])  # the name is free again


def after_91_days():
    slow, rotating = STATE["slow"], STATE["rotating"]
    shifted_now = time.time() + 91 * DAY
    rotations = kms.list_key_rotations(KeyId=rotating["KeyId"])["Rotations"]
    equal([r["RotationType"] for r in rotations], ["AUTOMATIC"], "ListKeyRotations after 91 days")
    near(rotations[0]["RotationDate"], shifted_now, 120, "RotationDate on the shifted clock")
    plain = kms.decrypt(CiphertextBlob=unb64(rotating["blob"]), EncryptionContext=CONTEXT)["Plaintext"]
    equal(plain, b"pre-rotation", "the pre-rotation ciphertext still decrypts")
    fresh = kms.encrypt(KeyId=ALIAS, Plaintext=b"post-rotation")["CiphertextBlob"]
    check(material_version(fresh) >= 2, f"new ciphertexts use the rotated material (version {material_version(fresh)})")
    equal(kms.decrypt(CiphertextBlob=fresh)["Plaintext"], b"post-rotation", "the new ciphertext decrypts")
    status = kms.get_key_rotation_status(KeyId=rotating["KeyId"])
    equal(status["KeyRotationEnabled"], True, "rotation stays enabled")
    near(status.get("NextRotationDate"), shifted_now + 90 * DAY, 120, "the next rotation is one period later")
    error(kms.describe_key, "NotFoundException", f"Key '{slow['Arn']}' does not exist", KeyId=slow["KeyId"])
    return {"materialVersion": material_version(fresh)}


suite.section({"setup": setup, "after-8-days": after_8_days, "after-91-days": after_91_days}[PHASE])
suite.run(phase=PHASE)
