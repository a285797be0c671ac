import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KMS_OPERATIONS } from '../../src/wire/kms-json/operations.js';
import { python } from '../helpers/clients.js';
import { boto3Env, operationsToCover, runBoto3 } from '../helpers/kms-wire.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

// The scripts are not compiled: they are found from dist/test/wire by the repository path.
const script = (name: string) => resolve(import.meta.dirname, '../../../test/wire/boto3', name);

describe('boto3 against opencmk: every KMS operation and its refusals', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess();
  });
  after(() => server?.stop());

  it('kms_operations.py: management, crypto, key states and rotation all pass, and every key-service operation answered 200', async () => {
    const { json } = await runBoto3(script('kms_operations.py'), boto3Env(server.url));
    assert.equal(json.failed, 0);
    assert.ok(json.checks >= 150, `the script made ${json.checks} checks`);
    assert.ok(json.sections.includes('key_states') && json.sections.includes('rotate_on_demand'), json.sections.join(', '));
    const missing = operationsToCover(KMS_OPERATIONS).filter((op) => !json.operations.includes(op));
    assert.deepEqual(missing, [], 'operations boto3 never completed successfully');
  });

  it('kms_errors.py: tampering, validation, unknown keys, key usage, signatures, accounts and regions', async () => {
    const { json } = await runBoto3(script('kms_errors.py'), boto3Env(server.url));
    assert.equal(json.failed, 0);
    assert.deepEqual(json.sections, [
      'tampered_ciphertexts',
      'validation',
      'unknown_and_malformed_keys',
      'key_usage',
      'bad_signatures',
      'other_accounts',
      'regions',
    ]);
    assert.ok(json.checks >= 150, `the script made ${json.checks} checks`);
  });

  it('a failing check makes a script exit non-zero with a clear message', async () => {
    // The scripts must be able to fail: point one at an identity the server does not know.
    const env = boto3Env(server.url, { CUSTOMER_ACCESS_KEY_ID: 'AKIANOBODY0000000001' });
    const result = await python(script('kms_errors.py'), env);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /sections failed/);
    assert.match(result.stderr, /UnrecognizedClientException/);
  });

  // AWS's fixed texts and fields that opencmk did not match when this was written (see the script's docstring).
  it('kms_aws_wording.py: AWS texts and fields for cross-region ARNs, key usage, numeric ranges, InvalidCiphertextException, PendingDeletionWindowInDays', async () => {
    await runBoto3(script('kms_aws_wording.py'), boto3Env(server.url));
  });
});

describe('boto3: scheduled deletion and automatic rotation across restarts (clock offset)', () => {
  let server: ServerProcess;
  let dataDir: string;
  before(async () => {
    server = await startServerProcess();
    dataDir = server.dataDir;
  });
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const restart = async (days: number) => {
    await server.stop({ keepData: true });
    server = await startServerProcess({ dataDir, config: { testing: { clockOffsetSeconds: days * 86_400 } } });
  };

  it('deletes the 7-day key after 8 days, rotates the 90-day key after 91 days; old ciphertexts still decrypt', async () => {
    const setup = await runBoto3(script('kms_schedule.py'), boto3Env(server.url, { OPENCMK_PHASE: 'setup' }));
    const state = setup.json.results.setup;
    assert.ok(state?.doomed?.KeyId && state.rotating?.blob, 'setup printed the keys it made');

    await restart(8);
    const eight = await runBoto3(script('kms_schedule.py'), boto3Env(server.url, { OPENCMK_PHASE: 'after-8-days', OPENCMK_STATE: JSON.stringify(state) }));
    assert.equal(eight.json.phase, 'after-8-days');
    assert.ok(eight.json.checks >= 8);

    await restart(91);
    const later = await runBoto3(script('kms_schedule.py'), boto3Env(server.url, { OPENCMK_PHASE: 'after-91-days', OPENCMK_STATE: JSON.stringify(state) }));
    assert.ok(later.json.results.after_91_days.materialVersion >= 2, 'a new Encrypt uses material version 2 or later');
    assert.ok(later.json.operations.includes('ListKeyRotations'));
  });
});
