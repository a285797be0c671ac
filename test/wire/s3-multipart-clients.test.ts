// Multipart uploads through the clients that split files themselves: `aws s3 cp` (AWS CLI v1, 8 MiB
// parts, CRC32 declared by s3transfer) of a 256 MiB file into a bucket whose default encryption is
// SSE-KMS with a bucket key, and back; and boto3's upload_file, managed copy and copy_object.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { CUSTOMER } from '../helpers/accounts.js';
import { awsCli } from '../helpers/clients.js';
import { boto3Env, runBoto3 } from '../helpers/kms-wire.js';
import { blobFiles } from '../helpers/s3.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

const MiB = 1024 * 1024;
const BIG = 256 * MiB;
const CLI_PART = 8 * MiB;
const script = (name: string) => resolve(import.meta.dirname, '../../../test/wire/boto3', name);

/** Writes `size` random bytes to `path` in 8 MiB chunks; returns the SHA-256 and each 8 MiB chunk's CRC32. */
async function randomFile(path: string, size: number): Promise<{ sha256: string; crcs: Buffer[] }> {
  const hash = createHash('sha256');
  const crcs: Buffer[] = [];
  const out = createWriteStream(path);
  for (let written = 0; written < size; written += CLI_PART) {
    const chunk = randomBytes(Math.min(CLI_PART, size - written));
    hash.update(chunk);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(chunk) >>> 0);
    crcs.push(crc);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((done, fail) => out.end((e?: Error | null) => (e ? fail(e) : done())));
  return { sha256: hash.digest('hex'), crcs };
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('S3 multipart uploads through the AWS CLI and boto3', () => {
  let server: ServerProcess;
  let work: string;
  let keyArn: string;
  const cli = async (...args: string[]) => {
    const out = await awsCli(server.url, CUSTOMER, args);
    assert.equal(out.code, 0, `aws ${args.join(' ')} failed:\n${out.stderr}`);
    return out.stdout;
  };

  before(async () => {
    server = await startServerProcess();
    work = mkdtempSync(join(tmpdir(), 'opencmk-mp-cli-'));
    keyArn = JSON.parse(await cli('kms', 'create-key', '--description', 's3-multipart-clients')).KeyMetadata.Arn;
    await cli('s3api', 'create-bucket', '--bucket', 'mp-cli');
    await cli(
      's3api',
      'put-bucket-encryption',
      '--bucket',
      'mp-cli',
      '--server-side-encryption-configuration',
      JSON.stringify({ Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn }, BucketKeyEnabled: true }] }),
    );
  });
  after(async () => {
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('aws s3 cp of a 256 MiB file goes up in 8 MiB parts under the bucket\'s SSE-KMS default and comes back byte for byte', async () => {
    const source = join(work, 'big.bin');
    const { sha256, crcs } = await randomFile(source, BIG);
    const started = Date.now();
    await cli('s3', 'cp', source, 's3://mp-cli/snapshots/big.bin');
    const uploadMs = Date.now() - started;

    const head = JSON.parse(await cli('s3api', 'head-object', '--bucket', 'mp-cli', '--key', 'snapshots/big.bin', '--checksum-mode', 'ENABLED'));
    assert.equal(head.ContentLength, BIG);
    assert.equal(head.ServerSideEncryption, 'aws:kms');
    assert.equal(head.SSEKMSKeyId, keyArn);
    assert.equal(head.BucketKeyEnabled, true);
    assert.equal(head.PartsCount, BIG / CLI_PART);
    assert.match(head.ETag, new RegExp(`^"[0-9a-f]{32}-${BIG / CLI_PART}"$`));
    // The CLI declared CRC32: the object's checksum is the CRC32 of the 32 part CRC32s, "-32".
    const composite = Buffer.alloc(4);
    composite.writeUInt32BE(crc32(Buffer.concat(crcs)) >>> 0);
    assert.equal(head.ChecksumCRC32, `${composite.toString('base64')}-${crcs.length}`);
    assert.equal(head.ChecksumType, 'COMPOSITE');
    // One stored stream per part, and no upload left open.
    assert.equal(blobFiles(server.dataDir).length, BIG / CLI_PART);
    const open = JSON.parse((await cli('s3api', 'list-multipart-uploads', '--bucket', 'mp-cli')) || '{}');
    assert.deepEqual(open.Uploads ?? [], []);

    const back = join(work, 'back.bin');
    await cli('s3', 'cp', 's3://mp-cli/snapshots/big.bin', back);
    assert.equal(await sha256File(back), sha256, 'the downloaded file differs from the uploaded one');
    rmSync(source);
    rmSync(back);
    assert.ok(uploadMs < 120_000, `the upload took ${uploadMs} ms`);
  });

  it('boto3: upload_file in parts, download_file, a managed copy by UploadPartCopy, and CopyObject', async () => {
    const { json } = await runBoto3(script('s3_multipart.py'), boto3Env(server.url, { BUCKET: 'mp-cli', KEY_ARN: keyArn }));
    assert.equal(json.failed, 0);
    assert.deepEqual(json.sections, ['upload_file_in_parts', 'managed_copy_uses_upload_part_copy', 'copy_object']);
    assert.match(json.results.upload_file_in_parts.etag, /-3"$/);
  });
});
