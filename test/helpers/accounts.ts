/** The accounts every wire test's server is configured with (DESIGN.md §1). */
export const CUSTOMER = {
  accountId: '111122223333',
  arn: 'arn:aws:iam::111122223333:user/admin',
  accessKeyId: 'AKIACUSTOMER0000001',
  secretAccessKey: 'customer-secret-key-0000000000000000001',
};
export const PROVIDER = {
  accountId: '272506498303',
  arn: 'arn:aws:iam::272506498303:user/storage',
  accessKeyId: 'AKIAPROVIDER0000001',
  secretAccessKey: 'provider-secret-key-0000000000000000001',
};
export const PROVIDER2 = {
  accountId: '063509147090',
  arn: 'arn:aws:iam::063509147090:user/storage',
  accessKeyId: 'AKIAPROVIDERB000001',
  secretAccessKey: 'provider-b-secret-key-00000000000000001',
};
export const OUTSIDER = {
  accountId: '444455556666',
  arn: 'arn:aws:iam::444455556666:user/mallory',
  accessKeyId: 'AKIAOUTSIDER0000001',
  secretAccessKey: 'outsider-secret-key-0000000000000000001',
};
export type TestIdentity = typeof CUSTOMER;

export function accountsConfig(extra: Record<string, unknown[]> = {}) {
  return [CUSTOMER, PROVIDER, PROVIDER2, OUTSIDER].map((who) => ({
    id: who.accountId,
    principals: [
      {
        arn: who.arn,
        accessKeys: [{ accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey }],
        ...(extra[who.arn] ? { policies: extra[who.arn] } : {}),
      },
    ],
  }));
}
