import { BENCH_ACCOUNT } from './lib/servers.js';

/**
 * A 20-statement key policy for measuring authorization cost: 19 statements that do not let the
 * bench caller (BENCH_PRINCIPAL, plain HTTP from 127.0.0.1, no encryption context) in, each for a
 * different reason, mostly a condition, then AWS's default statement, last, which does. Allow
 * statements naming the caller's account only delegate (no early exit), and every Deny is always
 * checked, so a request walks all 20.
 */
export function twentyStatementPolicy(account = BENCH_ACCOUNT): string {
  const root = `arn:aws:iam::${account}:root`;
  const allow = (sid: string, condition: Record<string, unknown>, action: string | string[] = ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*']) => ({
    Sid: sid,
    Effect: 'Allow',
    Principal: { AWS: root },
    Action: action,
    Resource: '*',
    Condition: condition,
  });
  const deny = (sid: string, condition: Record<string, unknown>) => ({
    Sid: sid,
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 'kms:*',
    Resource: '*',
    Condition: condition,
  });
  const statements = [
    { Sid: 'OtherRole', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:role/Encryptor` }, Action: 'kms:Encrypt', Resource: '*' },
    { Sid: 'OtherAccount', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' },
    { Sid: 'DenyMallory', Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${account}:user/mallory` }, Action: 'kms:*', Resource: '*' },
    allow('FinanceContext', { StringEquals: { 'kms:EncryptionContext:department': 'finance' } }),
    allow('CorporateNetwork', { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32'] } }, 'kms:*'),
    allow('FromTheFuture', { DateGreaterThan: { 'aws:CurrentTime': '2099-01-01T00:00:00Z' } }),
    allow('AppRoles', { StringLike: { 'aws:PrincipalArn': [`arn:aws:iam::${account}:role/app-*`, `arn:aws:iam::${account}:role/svc-*`] } }),
    allow('TlsOnly', { Bool: { 'aws:SecureTransport': 'true' } }),
    allow('ViaS3', { StringEquals: { 'kms:ViaService': ['s3.us-east-1.amazonaws.com', 's3.eu-west-1.amazonaws.com'] } }),
    allow('TenantContext', { 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': ['tenant', 'bucket'] } }),
    allow('Epoch', { NumericLessThan: { 'aws:EpochTime': '1000' } }),
    allow('EuOnly', { StringEqualsIgnoreCase: { 'aws:RequestedRegion': 'EU-WEST-1' } }),
    allow('AnyRole', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } }),
    allow('PartnerCaller', { StringEquals: { 'kms:CallerAccount': '444455556666' } }),
    allow('NotAdmin', { StringNotEquals: { 'aws:username': 'admin' } }),
    allow('SymmetricAndUserId', { StringEquals: { 'kms:KeySpec': 'SYMMETRIC_DEFAULT', 'aws:userid': 'AIDAEXAMPLEEXAMPLE01' } }),
    deny('DenyOtherAccounts', { StringEquals: { 'aws:PrincipalAccount': ['999988887777', '444455556666'] } }),
    deny('DenyOffLoopback', { NotIpAddress: { 'aws:SourceIp': ['127.0.0.0/8', '::1/128'] } }),
    deny('DenyThePast', { DateLessThan: { 'aws:CurrentTime': '2001-01-01T00:00:00Z' } }),
    { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' },
  ];
  return JSON.stringify({ Version: '2012-10-17', Id: 'bench-twenty-statements', Statement: statements }, null, 2);
}
