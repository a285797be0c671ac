import { KmsError } from '../kms/errors.js';
import { Decrypt } from '../kms/operations/decrypt.js';
import { DescribeKey } from '../kms/operations/describe-key.js';
import { Encrypt } from '../kms/operations/encrypt.js';
import { GenerateDataKey } from '../kms/operations/generate-data-key.js';
import { GetKeyRotationStatus } from '../kms/operations/get-key-rotation-status.js';
import { ReEncrypt } from '../kms/operations/re-encrypt.js';
import type { Operation } from '../kms/operation.js';
import { needs } from '../util/needs.js';
import { providerRequest, type TenantDeps } from './context.js';
import { tenantError } from './errors.js';
import { checkKeyRegion, parseKeyArn, providerStatement } from './validate.js';

export interface PreflightCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface PreflightReport {
  keyArn: string;
  checks: PreflightCheck[];
  /** Not failures: things the customer should still do (enable rotation). */
  warnings: string[];
}

interface KeyMetadata {
  KeyState: string;
  KeySpec: string;
  KeyUsage: string;
  Arn: string;
}

/** The encryption context of every preflight call: the customer sees in CloudTrail what they were for. */
const probeContext = (tenant: string) => ({ 'opencmk:tenant': tenant, 'opencmk:purpose': 'preflight' });

/** The action an AccessDenied message names (`… not authorized to perform: kms:ReEncryptTo on resource …`). */
function deniedAction(e: KmsError, fallback: string): string {
  return /perform: (kms:\w+)/.exec(e.message)?.[1] ?? fallback;
}

function stateAdvice(arn: string, state: string): string {
  switch (state) {
    case 'Disabled':
      return `Key ${arn} is Disabled: enable it (aws kms enable-key --key-id ${arn}) before the provider can use it.`;
    case 'PendingDeletion':
      return `Key ${arn} is PendingDeletion: cancel the deletion (aws kms cancel-key-deletion --key-id ${arn}) and enable it (aws kms enable-key) before the provider can use it.`;
    case 'PendingImport':
      return `Key ${arn} is PendingImport: import its key material before the provider can use it.`;
    default:
      return `Key ${arn} is ${state}: only an Enabled key can be used.`;
  }
}

/**
 * Proves, before anything uses it, that a customer's key will work for a tenant: the ARN's syntax
 * and region, then real KMS calls as the provider principal, exactly as the object store will make
 * them (DescribeKey, GenerateDataKey, Encrypt, Decrypt, ReEncrypt). Each failure throws a
 * TenantError whose message says what the customer must change; the report lists every check.
 */
export async function preflightKey(deps: TenantDeps, tenant: { name: string; region: string }, keyArn: string): Promise<PreflightReport> {
  const checks: PreflightCheck[] = [];
  const pass = (name: string, detail: string) => checks.push({ name, ok: true, detail });
  const fail = (name: string, detail: string) => checks.push({ name, ok: false, detail });
  const provider = deps.provider.principal.arn;
  const statement = providerStatement(deps.provider.accountId);

  const key = parseKeyArn(keyArn);
  pass('arn-syntax', 'a KMS key ARN');
  checkKeyRegion(key, tenant);
  pass('region', `in ${tenant.region}, the tenant's region`);

  const call = (op: Operation, body: unknown) => deps.kms.invoke(providerRequest(deps, tenant.region), op, body);

  let metadata: KeyMetadata;
  try {
    metadata = ((await call(DescribeKey, { KeyId: keyArn })) as { KeyMetadata: KeyMetadata }).KeyMetadata;
  } catch (e) {
    if (!(e instanceof KmsError)) throw e;
    /* Precondition: preflight tells a key that does not exist from one the provider may not see. */
    needs(e.code !== 'not-found', () =>
      tenantError(
        'key-not-found',
        `Key ${keyArn} does not exist in region ${key.region} of account ${key.accountId}. Check the ARN (aws kms describe-key --key-id ${keyArn}, run by the key's owner).`,
      ),
    );
    needs(e.code !== 'access-denied', () =>
      tenantError(
        'key-access-denied',
        `The provider (${provider}) may not use key ${keyArn}: its key policy does not allow account ${deps.provider.accountId}. ` +
          `Add this statement to the key policy (Setup, Step 2) and try again: ${JSON.stringify(statement)}`,
        { statement, missingActions: ['kms:DescribeKey', 'kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'] },
      ),
    );
    throw tenantError('key-not-enabled', `Key ${keyArn} cannot be described: ${e.message}`);
  }
  pass('describe', 'the provider may describe the key (kms:DescribeKey)');

  /* Precondition: preflight refuses a key that is not a symmetric encryption key. */
  needs(metadata.KeySpec === 'SYMMETRIC_DEFAULT' && metadata.KeyUsage === 'ENCRYPT_DECRYPT', () =>
    tenantError(
      'key-unsuitable',
      `Key ${keyArn} is a ${metadata.KeySpec} key for ${metadata.KeyUsage}: the tenant needs a symmetric encryption key (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT, the default of aws kms create-key).`,
      { keySpec: metadata.KeySpec, keyUsage: metadata.KeyUsage },
    ),
  );
  pass('key-spec', 'SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT');

  /* Precondition: preflight refuses a key that is not Enabled. */
  needs(metadata.KeyState === 'Enabled', () => tenantError('key-not-enabled', stateAdvice(keyArn, metadata.KeyState), { keyState: metadata.KeyState }));
  pass('key-state', 'Enabled');

  // Every permission the object store needs, proven by the very calls it will make.
  const missing = new Set<string>();
  const notProven: string[] = [];
  const context = probeContext(tenant.name);
  const attempt = async <T>(action: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      const out = await run();
      pass(action, `the provider may call ${action}`);
      return out;
    } catch (e) {
      if (e instanceof KmsError && e.code === 'access-denied') {
        const denied = deniedAction(e, action);
        missing.add(denied);
        fail(action, `denied: ${denied}`);
        return undefined;
      }
      if (e instanceof KmsError) throw tenantError('key-not-enabled', `Key ${keyArn} refused ${action}: ${e.message}`);
      throw e;
    }
  };
  const generated = await attempt('kms:GenerateDataKey', async () => {
    const out = (await call(GenerateDataKey, { KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: context })) as { Plaintext: string; CiphertextBlob: string };
    Buffer.from(out.Plaintext, 'base64').fill(0);
    return out.CiphertextBlob;
  });
  const encrypted = await attempt('kms:Encrypt', async () =>
    ((await call(Encrypt, { KeyId: keyArn, Plaintext: Buffer.from('opencmk preflight').toString('base64'), EncryptionContext: context })) as { CiphertextBlob: string }).CiphertextBlob,
  );
  const sample = encrypted ?? generated;
  if (sample === undefined) {
    // Nothing to decrypt or re-encrypt: these cannot be proven until Encrypt or GenerateDataKey is allowed.
    for (const action of ['kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo']) {
      missing.add(action);
      fail(action, 'not proven: nothing could be encrypted to try it on');
    }
  } else {
    await attempt('kms:Decrypt', () => call(Decrypt, { CiphertextBlob: sample, EncryptionContext: context, KeyId: keyArn }));
    await attempt('kms:ReEncrypt', () =>
      call(ReEncrypt, { CiphertextBlob: sample, SourceEncryptionContext: context, DestinationKeyId: keyArn, DestinationEncryptionContext: context }),
    );
    // KMS authorizes ReEncryptTo (destination) before ReEncryptFrom (source): the second is unknown until the first is allowed.
    if (missing.has('kms:ReEncryptTo')) notProven.push('kms:ReEncryptFrom');
  }
  /* Precondition: preflight names every action the key policy does not allow the provider. */
  needs(missing.size === 0, () =>
    tenantError(
      'key-permissions-missing',
      `The key policy of ${keyArn} does not allow the provider (${provider}) ${[...missing].join(', ')}` +
        `${notProven.length > 0 ? ` (and could not prove ${notProven.join(', ')} until then)` : ''}. ` +
        `Grant account ${deps.provider.accountId} these actions with the Step 2 statement and try again: ${JSON.stringify(statement)}`,
      { missingActions: [...missing], ...(notProven.length > 0 ? { notProven } : {}), statement, checks },
    ),
  );

  const warnings: string[] = [];
  try {
    const rotation = (await call(GetKeyRotationStatus, { KeyId: keyArn })) as { KeyRotationEnabled: boolean };
    if (rotation.KeyRotationEnabled) pass('rotation', 'automatic rotation is on');
    else {
      warnings.push(`Automatic rotation of ${keyArn} is off. Enabling it is recommended: aws kms enable-key-rotation --key-id ${keyArn}`);
      pass('rotation', 'automatic rotation is off (a warning, not a failure)');
    }
  } catch (e) {
    if (!(e instanceof KmsError)) throw e;
    // The Step 2 statement does not grant kms:GetKeyRotationStatus, so this is the usual case.
    warnings.push(
      `The rotation status of ${keyArn} could not be checked (${e.code === 'access-denied' ? 'the provider may not call kms:GetKeyRotationStatus' : e.message}). ` +
        `Check that automatic rotation is on: aws kms get-key-rotation-status --key-id ${keyArn}`,
    );
    pass('rotation', 'could not be checked (a warning, not a failure)');
  }
  return { keyArn, checks, warnings };
}
