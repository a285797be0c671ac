import type { DeploymentType, ReencryptMode } from '../store/tenant-types.js';
import { tenantError } from './errors.js';

/** The tenant's buckets: session data and VM snapshots (the product page's "Which data is encrypted"). */
export const bucketNamesOf = (tenant: string) => [`${tenant}-sessions`, `${tenant}-snapshots`];

// A tenant name becomes a bucket-name prefix, so it follows S3's bucket rules and leaves room for
// "-snapshots" within 63 characters.
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-\d{1,2}$/;
const KEY_ARN = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function checkTenantName(name: string): void {
  if (!NAME.test(name) || name.includes('--')) {
    throw tenantError(
      'invalid-input',
      `Tenant name '${name}' is not valid: use 1–40 lower-case letters, digits and hyphens, starting and ending with a letter or digit (it prefixes the tenant's bucket names).`,
    );
  }
}

export function checkRegion(region: string): void {
  if (!REGION.test(region)) {
    throw tenantError('invalid-input', `Region '${region}' is not an AWS region name (for example us-east-1 or eu-west-2).`);
  }
}

export function checkDeployment(deployment: string): asserts deployment is DeploymentType {
  if (deployment !== 'dedicated' && deployment !== 'shared') {
    throw tenantError('invalid-input', `Deployment type '${deployment}' is not valid: use dedicated (Enterprise Dedicated) or shared (Enterprise Cloud).`);
  }
}

export function checkMode(mode: string): asserts mode is ReencryptMode {
  if (mode !== 'rewrap' && mode !== 'full') throw tenantError('invalid-input', `Re-encryption mode '${mode}' is not valid: use rewrap or full.`);
}

export interface KeyArnParts {
  arn: string;
  region: string;
  accountId: string;
  keyId: string;
}

/** A KMS key ARN as the product page's Step 3 gives it: `arn:aws:kms:<region>:<account-id>:key/<key-id>`. */
export function parseKeyArn(arn: string): KeyArnParts {
  const m = KEY_ARN.exec(arn);
  if (!m) {
    const hint = /:alias\//.test(arn)
      ? ' An alias ARN is not accepted: an alias can be pointed at another key without telling the provider. Give the key ARN it points to.'
      : /^[0-9a-f-]{36}$/.test(arn)
        ? ' A bare key id names a key in the caller\'s own account: give the full key ARN.'
        : '';
    throw tenantError('invalid-key-arn', `'${arn}' is not a KMS key ARN: expected arn:aws:kms:<region>:<account-id>:key/<key-id>.${hint}`);
  }
  return { arn, region: m[1]!, accountId: m[2]!, keyId: m[3]! };
}

/** The key's region must be the tenant's (product page FAQ "Can I use a KMS key from a different AWS region?"). */
export function checkKeyRegion(key: KeyArnParts, tenant: { name: string; region: string }): void {
  if (key.region !== tenant.region) {
    throw tenantError(
      'key-region-mismatch',
      `Key ${key.arn} is in region ${key.region}, but tenant ${tenant.name} is deployed in ${tenant.region}: the KMS key must be in the same region as the deployment. Create or select a key in ${tenant.region}.`,
      { keyRegion: key.region, tenantRegion: tenant.region },
    );
  }
}

/** CMK is for Enterprise Dedicated only (product page FAQ "Is CMK available for Enterprise Cloud deployments?"). */
export function checkCmkAllowed(tenant: { name: string; deployment: DeploymentType }): void {
  if (tenant.deployment !== 'dedicated') {
    throw tenantError(
      'cmk-not-available',
      `Tenant ${tenant.name} is a shared (Enterprise Cloud) deployment: Customer Managed Keys are available only for Enterprise Dedicated deployments. Omit --kms-key-arn to use a provider-managed key.`,
    );
  }
}

/** The product page's Step 2 statement, naming the provider's account. */
export function providerStatement(providerAccountId: string) {
  return {
    Sid: 'AllowProviderToUseTheKey',
    Effect: 'Allow',
    Principal: { AWS: [`arn:aws:iam::${providerAccountId}:root`] },
    Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
    Resource: '*',
  };
}
