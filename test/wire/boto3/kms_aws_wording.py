"""boto3 against opencmk: places where AWS KMS's wire text is fixed and opencmk's answer differed when
this script was written. Each section states AWS's behaviour; the script fails until the server matches.

Sources: AWS answers a key ARN of another region with NotFoundException "Invalid arn <region>";
InvalidKeyUsageException names the operation ("... which is not valid for Encrypt."); out-of-range
numbers are "Member must have value less than or equal to N"; InvalidCiphertextException has no message;
KeyMetadata.PendingDeletionWindowInDays appears only for PendingReplicaDeletion (KMS API reference).
"""

from kms_common import Suite, check, client, error

kms = client("CUSTOMER")
kms_nv = client("CUSTOMER", validate=False)
west = client("CUSTOMER", region="us-west-2")
suite = Suite("kms_aws_wording")


@suite.section
def key_arn_of_another_region():
    key = west.create_key()["KeyMetadata"]
    error(kms.describe_key, "NotFoundException", "Invalid arn us-west-2", KeyId=key["Arn"])


@suite.section
def key_usage_names_the_operation():
    hmac = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    error(kms.encrypt, "InvalidKeyUsageException", f"{hmac['Arn']} key usage is GENERATE_VERIFY_MAC which is not valid for Encrypt.",
          KeyId=hmac["KeyId"], Plaintext=b"x")


@suite.section
def numeric_range_messages():
    error(kms_nv.generate_random, "ValidationException",
          "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
          NumberOfBytes=1025)
    error(kms_nv.generate_random, "ValidationException",
          "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
          NumberOfBytes=0)


@suite.section
def pending_deletion_window_only_for_replica_deletion():
    # KeyMetadata.PendingDeletionWindowInDays is present only in the PendingReplicaDeletion state.
    key = kms.create_key()["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    check("DeletionDate" in meta, "DescribeKey shows DeletionDate")
    check("PendingDeletionWindowInDays" not in meta, f"DescribeKey shows PendingDeletionWindowInDays {meta.get('PendingDeletionWindowInDays')}")


@suite.section
def invalid_ciphertext_has_no_message():
    key = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext={"a": "b"})["CiphertextBlob"]
    # botocore reports a missing message as "".
    error(kms.decrypt, "InvalidCiphertextException", "", CiphertextBlob=blob, EncryptionContext={"a": "c"})


suite.run()
