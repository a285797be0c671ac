import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { CUSTOMER } from '../helpers/accounts.js';
import { awsCli } from '../helpers/clients.js';
import { kmsRaw } from '../helpers/signed.js';
import { startServerProcess } from '../helpers/server.js';

const BIN = resolve(import.meta.dirname, '../../../bin/opencmk.js');
const scratch = mkdtempSync(join(tmpdir(), 'opencmk-config-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 15_000 }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

describe('server configuration', () => {
  it('names the bad field and exits 1 on an invalid config', async () => {
    const file = join(scratch, 'bad.yaml');
    writeFileSync(file, 'server:\n  port: "eighty"\nregion: mars\n');
    const res = await run(['serve', '--config', file]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /server\.port/);
    assert.match(res.stderr, /region: must be a region name/);
    const unknown = join(scratch, 'unknown.yaml');
    writeFileSync(unknown, 'colour: blue\n');
    const res2 = await run(['serve', '--config', unknown]);
    assert.equal(res2.code, 1);
    assert.match(res2.stderr, /colour/);
  });

  it('warns when node was started without the server flags, and runs from its #! line', async () => {
    const bare = await startServerProcess({ nodeFlags: [] });
    const flagged = await startServerProcess();
    try {
      // The warning goes to stderr, the "listening" line (which startServerProcess waits for) to stdout: either may arrive first.
      const deadline = Date.now() + 5_000;
      while (!/node was started without/.test(bare.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.match(bare.output(), /warning: node was started without --initial-old-space-size=64/);
      assert.doesNotMatch(flagged.output(), /node was started without/);
    } finally {
      await Promise.all([bare.stop(), flagged.stop()]);
    }
    // The #! line gives node the flags (env -S), so the script runs as a program of its own.
    const direct = await new Promise<{ code: number; stdout: string }>((done) =>
      execFile(BIN, ['--help'], (error, stdout) => done({ code: error ? 1 : 0, stdout })),
    );
    assert.equal(direct.code, 0);
    assert.match(direct.stdout, /^Usage: opencmk /);
  });

  it('refuses plain HTTP on a non-loopback address unless allowPlainHttp is set', async () => {
    const res = await run(['serve', '--data-dir', join(scratch, 'plain'), '--host', '0.0.0.0', '--port', '0']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /server\.tls/);
    const allowed = await startServerProcess({ config: { server: { host: '0.0.0.0', port: 0, allowPlainHttp: true } } });
    try {
      const port = allowed.port;
      const res2 = await kmsRaw(`http://127.0.0.1:${port}`, 'ListKeys', '{}', { who: CUSTOMER });
      assert.equal(res2.status, 200);
    } finally {
      await allowed.stop();
    }
  });

  it('takes settings from OPENCMK_* environment variables', async () => {
    const server = await startServerProcess({ env: { OPENCMK_REGION: 'eu-west-1' } });
    try {
      const res = await kmsRaw(server.url, 'CreateKey', '{}', { who: CUSTOMER, region: 'eu-west-1' });
      assert.equal(res.status, 200);
      assert.match(res.json().KeyMetadata.Arn, /^arn:aws:kms:eu-west-1:/);
    } finally {
      await server.stop();
    }
  });

  it('serves HTTPS with server.tls, and the AWS CLI works with --ca-bundle', async () => {
    const cert = join(scratch, 'cert.pem');
    const key = join(scratch, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const server = await startServerProcess({ config: { server: { host: '127.0.0.1', port: 0, tls: { cert, key } } } });
    try {
      assert.match(server.url, /^https:\/\//);
      const res = await awsCli(server.url, CUSTOMER, ['--ca-bundle', cert, 'kms', 'create-key', '--description', 'over-tls']);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(JSON.parse(res.stdout).KeyMetadata.Description, 'over-tls');
      const untrusted = await awsCli(server.url, CUSTOMER, ['kms', 'list-keys']);
      assert.notEqual(untrusted.code, 0, 'without the CA bundle the certificate is not trusted');
    } finally {
      await server.stop();
    }
  });

  it('logs one line per request without secrets, and stops cleanly on SIGTERM', async () => {
    const server = await startServerProcess({ config: { logging: { level: 'info' } } });
    const plaintext = Buffer.from('plaintext-that-must-not-be-logged').toString('base64');
    const keyId = (await kmsRaw(server.url, 'CreateKey', '{}', { who: CUSTOMER })).json().KeyMetadata.KeyId;
    const enc = await kmsRaw(server.url, 'Encrypt', JSON.stringify({ KeyId: keyId, Plaintext: plaintext }), { who: CUSTOMER });
    const data = await kmsRaw(server.url, 'GenerateDataKey', JSON.stringify({ KeyId: keyId, KeySpec: 'AES_256' }), { who: CUSTOMER });
    await server.stop({ keepData: true });
    assert.equal(server.child.exitCode, 0, 'SIGTERM is a clean exit');
    const lines = server.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const encryptLine = lines.find((l) => l.operation === 'Encrypt');
    assert.ok(encryptLine, 'an Encrypt request line');
    assert.equal(encryptLine.status, 200);
    assert.equal(encryptLine.principal, CUSTOMER.arn);
    assert.match(encryptLine.reqId, /^[0-9a-f-]{36}$/);
    assert.equal(typeof encryptLine.ms, 'number');
    for (const secret of [plaintext, enc.json().CiphertextBlob, data.json().Plaintext, data.json().CiphertextBlob, CUSTOMER.secretAccessKey]) {
      assert.ok(!server.output().includes(secret), 'no secret, plaintext or blob in the log');
    }
    assert.equal(statSync(join(server.dataDir, 'root.key')).mode & 0o777, 0o600);
    rmSync(server.dataDir, { recursive: true, force: true });
  });

  it('bootstraps an admin with a 0600 credentials file on an empty data directory, and adds keys with `credentials create`', async () => {
    const server = await startServerProcess({ bootstrap: true });
    try {
      const file = join(server.dataDir, 'credentials');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.match(server.output(), /AWS_SHARED_CREDENTIALS_FILE=/);
      const env = { AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: 'opencmk', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', PATH: process.env.PATH ?? '' };
      const who = JSON.parse(execFileSync('aws', ['--endpoint-url', server.url, 'sts', 'get-caller-identity'], { env }).toString());
      assert.equal(who.Arn, 'arn:aws:iam::000000000000:user/admin');
      // The secret is printed by no log line.
      const secret = /aws_secret_access_key = (\S+)/.exec((await import('node:fs')).readFileSync(file, 'utf8'))![1]!;
      assert.ok(!server.output().includes(secret));

      const created = await run(['credentials', 'create', '--account', '000000000000', '--principal', 'arn:aws:iam::000000000000:user/ops', '--output', 'json', '--data-dir', server.dataDir]);
      assert.equal(created.code, 0, created.stderr);
      const key = JSON.parse(created.stdout);
      const ops = { accountId: '000000000000', arn: key.Arn, accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
      const res = await awsCli(server.url, ops, ['sts', 'get-caller-identity']);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(JSON.parse(res.stdout).Arn, 'arn:aws:iam::000000000000:user/ops');
      const bad = await run(['credentials', 'create', '--account', '000000000000', '--principal', 'arn:aws:iam::111122223333:user/x', '--data-dir', server.dataDir]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /not in account/);
    } finally {
      await server.stop();
    }
  });
});
