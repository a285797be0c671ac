// The whole product page (seed/customer-managed-keys.md) over real processes: the customer with the
// AWS CLI, the operator with the `opencmk tenant` CLI, the provider's application with boto3.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CUSTOMER, PROVIDER } from '../helpers/accounts.js';
import { awsCli, python } from '../helpers/clients.js';
import { opencmkCli } from '../helpers/opencmk-cli.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';
import { sendRaw } from '../helpers/signed.js';

const APP = resolve(import.meta.dirname, '../../../test/wire/boto3/tenant_app.py');
// The product page's Step 2 statement, with the provider's two accounts.
const STEP2 = {
  Sid: 'AllowCognition',
  Effect: 'Allow',
  Principal: { AWS: ['arn:aws:iam::272506498303:root', 'arn:aws:iam::063509147090:root'] },
  Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
  Resource: '*',
};
const CONFIG = {
  provider: { accountId: PROVIDER.accountId, principal: PROVIDER.arn },
  // A throttle, so the re-encryption is still running when the server is killed.
  tenants: { probeIntervalSeconds: 1, reencryptMaxObjectsPerSecond: 20 },
  audit: { deliveryIntervalSeconds: 1 },
};

describe('Customer Managed Keys, the product page end to end', () => {
  let server: ServerProcess;
  let dataDir: string;
  let keyArn: string;
  let newKeyArn: string;
  let hashes: Record<string, string>;
  const customer = (...args: string[]) => awsCli(server.url, CUSTOMER, args);
  const operator = (...args: string[]) => opencmkCli(server.url, PROVIDER, ['tenant', ...args]);
  const app = async (mode: string) => {
    const r = await python(APP, { MODE: mode, TENANT: 'acme', ENDPOINT: server.url, AWS_ACCESS_KEY_ID: PROVIDER.accessKeyId, AWS_SECRET_ACCESS_KEY: PROVIDER.secretAccessKey, SESSIONS: '50', SNAPSHOT_MIB: '200' });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const status = async () => {
    const r = await sendRaw(server.url, '', { who: PROVIDER, service: 'opencmk', method: 'GET', path: '/v1/tenants/acme/status' });
    assert.equal(r.status, 200, r.text);
    return r.json();
  };
  async function waitForHealth(state: string, withinMs: number): Promise<number> {
    const start = Date.now();
    for (;;) {
      const s = await status();
      if (s.health?.state === state) return Date.now() - start;
      if (Date.now() - start > withinMs) assert.fail(`tenant health is ${s.health?.state}, not ${state}, after ${withinMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  async function putPolicy(key: string, withStatement: boolean): Promise<void> {
    // Step 2 with the AWS CLI: get the policy (--query Policy: the bare text output also carries a tab
    // and the policy name), add or remove the statement, put it back.
    const got = await customer('kms', 'get-key-policy', '--key-id', key, '--policy-name', 'default', '--query', 'Policy', '--output', 'text');
    assert.equal(got.code, 0, got.stderr);
    const policy = JSON.parse(got.stdout);
    policy.Statement = [...policy.Statement.filter((s: { Sid?: string }) => s.Sid !== STEP2.Sid), ...(withStatement ? [STEP2] : [])];
    const file = join(dataDir, `key-policy-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify(policy, null, 2));
    const put = await customer('kms', 'put-key-policy', '--key-id', key, '--policy-name', 'default', '--policy', `file://${file}`);
    assert.equal(put.code, 0, put.stderr);
  }
  async function newCustomerKey(description: string): Promise<string> {
    const made = await customer('kms', 'create-key', '--description', description);
    assert.equal(made.code, 0, made.stderr);
    const arn = JSON.parse(made.stdout).KeyMetadata.Arn as string;
    await putPolicy(arn, true);
    return arn;
  }

  before(async () => {
    server = await startServerProcess({ config: CONFIG });
    dataDir = server.dataDir;
  });
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('Step 1–3: the customer makes a key and lets the provider use it; the operator onboards a dedicated tenant with it', async () => {
    keyArn = await newCustomerKey('acme CMK');
    const created = await operator('create', 'acme', '--deployment', 'dedicated', '--region', 'us-east-1', '--kms-key-arn', keyArn);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Created tenant acme/);
    assert.match(created.stdout, /Buckets: +acme-sessions, acme-snapshots/);
    assert.match(created.stdout, /Key health: +healthy/);
    const described = JSON.parse((await operator('describe', 'acme', '--output', 'json')).stdout);
    assert.equal(described.tenant.keyArn, keyArn);
    assert.equal(described.tenant.keyMode, 'customer-managed');
    assert.equal(described.tenant.deployment, 'dedicated');
  });

  it("the provider's application stores session data and a 200 MiB VM snapshot, encrypted under the customer's key", async (t) => {
    const written = await app('write');
    hashes = written.hashes;
    t.diagnostic(`snapshot uploaded as ${written.snapshot}`);
    assert.equal(Object.keys(hashes).length, 51);
    const described = JSON.parse((await operator('describe', 'acme', '--output', 'json')).stdout);
    assert.deepEqual(described.usage.byKey, [{ keyArn, objects: 51, bytes: described.usage.byKey[0].bytes }]);
    assert.ok(described.usage.byKey[0].bytes > 200 * 1024 * 1024);
    const head = await awsCli(server.url, PROVIDER, ['s3api', 'head-object', '--bucket', 'acme-snapshots', '--key', 'snapshots/vm-0001.img']);
    assert.equal(head.code, 0, head.stderr);
    assert.equal(JSON.parse(head.stdout).SSEKMSKeyId, keyArn);
    assert.equal(JSON.parse(head.stdout).BucketKeyEnabled, true);
  });

  it('Key rotation: the customer enables automatic rotation and rotates on demand; the data still reads back', async () => {
    for (const args of [['enable-key-rotation', '--key-id', keyArn], ['rotate-key-on-demand', '--key-id', keyArn]]) {
      const r = await customer('kms', ...args);
      assert.equal(r.code, 0, r.stderr);
    }
    const rotations = JSON.parse((await customer('kms', 'list-key-rotations', '--key-id', keyArn)).stdout);
    assert.equal(rotations.Rotations.length, 1);
    assert.deepEqual((await app('read')).hashes, hashes);
  });

  it('Revoking access: without the statement the provider can neither read nor write, and the tenant shows access-denied within one probe', async () => {
    await putPolicy(keyArn, false);
    const denied = await app('denied');
    assert.deepEqual(denied, { read: 'AccessDenied', write: 'AccessDenied' });
    const took = await waitForHealth('access-denied', 2500);
    assert.ok(took <= 2500);
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /opencmk_tenant_key_health\{tenant="acme",state="access-denied"\} 1/);
    assert.match(metrics, /opencmk_tenant_key_health\{tenant="acme",state="healthy"\} 0/);
    assert.match(metrics, /opencmk_http_requests_total\{api="s3",operation="GetObject",status="403"\} 1/);
    assert.match(metrics, /opencmk_http_request_duration_seconds_bucket\{api="kms",operation="PutKeyPolicy",le="\+Inf"\} \d+/);
    const shown = await operator('status', 'acme');
    assert.match(shown.stdout, /Key health: +access-denied since/);
  });

  it('restoring the statement returns the tenant to healthy with no operator action, and every byte reads back', async () => {
    await putPolicy(keyArn, true);
    await waitForHealth('healthy', 2500);
    const s = await status();
    assert.deepEqual(s.health.transitions.map((t: { state: string }) => t.state).slice(-3), ['healthy', 'access-denied', 'healthy']);
    assert.deepEqual((await app('read')).hashes, hashes);
  });

  it("Monitoring key usage: the customer sees the provider's calls to the key in CloudTrail", async () => {
    // The provider's S3 reads and writes (invokedBy s3) and the control plane's probes, as the provider principal.
    let events: { Username?: string; EventName: string; CloudTrailEvent: string }[] = [];
    for (let i = 0; i < 20 && !events.some((e) => e.EventName === 'Decrypt'); i++) {
      const r = await customer('cloudtrail', 'lookup-events', '--lookup-attributes', `AttributeKey=ResourceName,AttributeValue=${keyArn}`);
      assert.equal(r.code, 0, r.stderr);
      events = JSON.parse(r.stdout).Events.filter((e: { CloudTrailEvent: string }) => JSON.parse(e.CloudTrailEvent).userIdentity?.arn === PROVIDER.arn);
      if (!events.some((e) => e.EventName === 'Decrypt')) await new Promise((r) => setTimeout(r, 250));
    }
    const names = new Set(events.map((e) => e.EventName));
    for (const name of ['GenerateDataKey', 'Decrypt', 'DescribeKey']) assert.ok(names.has(name), `${name} in ${[...names]}`);
    const viaS3 = events.map((e) => JSON.parse(e.CloudTrailEvent)).find((e) => e.eventName === 'GenerateDataKey' && e.userIdentity.invokedBy);
    assert.equal(viaS3?.userIdentity.invokedBy, 's3.amazonaws.com');
    const refused = events.map((e) => JSON.parse(e.CloudTrailEvent)).find((e) => e.errorCode);
    assert.ok(refused, 'the refused calls while revoked are in the trail too');
  });

  it('Changing the key: the operator switches to a second key and re-encrypts; a kill -9 midway is survived', async () => {
    newKeyArn = await newCustomerKey('acme CMK 2');
    const set = await operator('set-key', 'acme', '--kms-key-arn', newKeyArn);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /Existing objects stay under the old key until re-encrypted/);
    const started = await operator('reencrypt', 'acme', '--no-wait', '--output', 'json');
    assert.equal(started.code, 0, started.stderr);
    const jobId = JSON.parse(started.stdout).job.id as string;
    // Kill the server once the job is under way, but before it is done.
    for (;;) {
      const job = (await status()).job;
      assert.equal(job.state, 'running', 'the job must still be running when the server is killed');
      if (job.done.objects >= 5) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await server.kill();
    const killedAt = await (async () => {
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(join(dataDir, 'opencmk.db'), { readonly: true });
      try {
        return JSON.parse((db.prepare('SELECT doc FROM tenant_jobs WHERE id = ?').get(jobId) as { doc: string }).doc);
      } finally {
        db.close();
      }
    })();
    assert.equal(killedAt.state, 'running');
    assert.ok(killedAt.done.objects > 0 && killedAt.done.objects < 51, `killed midway (${killedAt.done.objects}/51)`);
    server = await startServerProcess({ config: CONFIG, dataDir });
    // The job resumes by itself; running the CLI again re-attaches to it and waits with its progress.
    const resumed = await operator('reencrypt', 'acme');
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`Attached to the running re-encryption ${jobId}|Started re-encryption`));
    const job = (await status()).job;
    assert.equal(job.state, 'succeeded');
    assert.equal(job.done.bytesRewritten, 0, 'rewrap rewrites no object byte');
    assert.equal(job.oldKeysNoLongerNeeded, true);
    assert.match(resumed.stdout, /No object depends on an old key any more: old keys may be disabled/);
    const described = JSON.parse((await operator('describe', 'acme', '--output', 'json')).stdout);
    assert.deepEqual(described.usage.byKey.map((u: { keyArn: string; objects: number }) => [u.keyArn, u.objects]), [[newKeyArn, 51]]);
    assert.deepEqual(described.tenant.keyHistory.map((h: { keyArn: string }) => h.keyArn), [keyArn, newKeyArn]);
  });

  it('the customer disables the old key, and every object still reads back', async () => {
    const r = await customer('kms', 'disable-key', '--key-id', keyArn);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await app('read')).hashes, hashes);
  });

  it('scheduling deletion of the new key makes the data unreadable, and the tenant shows it', async () => {
    const r = await customer('kms', 'schedule-key-deletion', '--key-id', newKeyArn, '--pending-window-in-days', '7');
    assert.equal(r.code, 0, r.stderr);
    const denied = await app('denied');
    assert.deepEqual(denied, { read: 'KMS.KMSInvalidStateException', write: 'KMS.KMSInvalidStateException' });
    await waitForHealth('key-pending-deletion', 2500);
    const list = await operator('list');
    assert.match(list.stdout, /acme +dedicated +us-east-1 +customer-managed +key-pending-deletion/);
  });
});
