"""boto3 against opencmk: GetPublicKey, Sign and Verify (RAW and DIGEST), GenerateMac and VerifyMac.

Run by test/wire/kms-asymmetric.test.ts. Reads OPENCMK_URL and CUSTOMER_ACCESS_KEY_ID /
CUSTOMER_SECRET_ACCESS_KEY; prints one JSON line of findings last and exits non-zero on a failed check.
"""

import hashlib
import json
import os
import sys

import boto3
from botocore.config import Config

kms = boto3.client(
    "kms",
    endpoint_url=os.environ["OPENCMK_URL"],
    region_name="us-east-1",
    aws_access_key_id=os.environ["CUSTOMER_ACCESS_KEY_ID"],
    aws_secret_access_key=os.environ["CUSTOMER_SECRET_ACCESS_KEY"],
    config=Config(retries={"max_attempts": 1}),
)


def check(condition, what):
    if not condition:
        print(f"check failed: {what}", file=sys.stderr)
        sys.exit(1)


def error_code(call):
    try:
        call()
    except kms.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    return None


findings = {}
message = b"signed from boto3"

for spec, algorithm, hash_name in [("ECC_NIST_P256", "ECDSA_SHA_256", "sha256"), ("RSA_2048", "RSASSA_PSS_SHA_256", "sha256")]:
    key_id = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    public = kms.get_public_key(KeyId=key_id)
    check(public["KeySpec"] == spec and algorithm in public["SigningAlgorithms"], f"{spec} GetPublicKey")
    signed = kms.sign(KeyId=key_id, Message=message, SigningAlgorithm=algorithm)
    check(signed["SigningAlgorithm"] == algorithm, f"{spec} Sign algorithm")
    verified = kms.verify(KeyId=key_id, Message=message, Signature=signed["Signature"], SigningAlgorithm=algorithm)
    check(verified["SignatureValid"] is True, f"{spec} Verify RAW")
    digest = hashlib.new(hash_name, message).digest()
    by_digest = kms.verify(KeyId=key_id, Message=digest, MessageType="DIGEST", Signature=signed["Signature"], SigningAlgorithm=algorithm)
    check(by_digest["SignatureValid"] is True, f"{spec} Verify DIGEST")
    tampered = error_code(lambda: kms.verify(KeyId=key_id, Message=message + b"!", Signature=signed["Signature"], SigningAlgorithm=algorithm))
    check(tampered == "KMSInvalidSignatureException", f"{spec} tampered message gave {tampered}")
    # The `cryptography` package verifies the KMS signature on its own with the downloaded public key.
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    public_key = serialization.load_der_public_key(public["PublicKey"])
    if spec.startswith("ECC"):
        public_key.verify(signed["Signature"], message, ec.ECDSA(hashes.SHA256()))
    else:
        public_key.verify(signed["Signature"], message, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    findings[spec] = {"signatureBytes": len(signed["Signature"]), "independentlyVerified": True}

mac_key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
mac = kms.generate_mac(KeyId=mac_key, Message=message, MacAlgorithm="HMAC_SHA_256")["Mac"]
check(kms.verify_mac(KeyId=mac_key, Message=message, Mac=mac, MacAlgorithm="HMAC_SHA_256")["MacValid"] is True, "VerifyMac")
bad_mac = error_code(lambda: kms.verify_mac(KeyId=mac_key, Message=message + b"!", Mac=mac, MacAlgorithm="HMAC_SHA_256"))
check(bad_mac == "KMSInvalidMacException", f"VerifyMac of a changed message gave {bad_mac}")
findings["HMAC_256"] = {"macBytes": len(mac)}

print(json.dumps(findings))
