// Shared by test/wire/crash.test.ts (one quick crash) and test/slow/crash-repeated.test.ts (many):
// fire a burst of CreateKey / RotateKeyOnDemand / Encrypt at a real server, SIGKILL it while requests
// are in flight, and keep a ledger of everything the server acknowledged. After a restart on the same
// data directory, every acknowledged write must be there (src/store/sqlite: WAL + synchronous=FULL).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  RotateKeyOnDemandCommand,
} from '@aws-sdk/client-kms';
import { readBlobHeader } from '../../src/formats/ciphertext-blob.js';
import { CUSTOMER } from '../helpers/accounts.js';
import { kmsClient } from '../helpers/clients.js';
import type { ServerProcess } from '../helpers/server.js';

/** What the server acknowledged (answered with success) before it died, across crashes. */
export interface Ledger {
  created: Set<string>;
  /** Acknowledged on-demand rotations per key. */
  rotations: Map<string, number>;
  /** Rotations sent but not acknowledged (they may or may not have been committed). */
  unacknowledgedRotations: Map<string, number>;
  ciphertexts: { keyId: string; blob: Uint8Array; plaintext: Buffer; material: number }[];
}

export const newLedger = (): Ledger => ({ created: new Set(), rotations: new Map(), unacknowledgedRotations: new Map(), ciphertexts: [] });

export interface BurstOptions {
  /** Requests to send in all (the burst ends early when the server is killed). */
  total: number;
  concurrency: number;
  /** SIGKILL the server when this many requests have been acknowledged. */
  killAfter: number;
  /** Rotate-then-encrypt rounds per key before a worker creates its next key (≤ 25, AWS's cap). */
  rotationsPerKey?: number;
}

export interface BurstResult {
  acknowledged: number;
  /** Requests sent and not yet answered when the kill was issued. */
  inFlightAtKill: number;
  /** Failures the server answered before it was killed (must be none). */
  failuresBeforeKill: string[];
}

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

export async function burstAndKill(server: ServerProcess, options: BurstOptions, ledger: Ledger): Promise<BurstResult> {
  const kms = kmsClient(server.url, CUSTOMER);
  const rounds = options.rotationsPerKey ?? 3;
  let sent = 0;
  let inFlight = 0;
  let acknowledged = 0;
  let inFlightAtKill = -1;
  let killed: Promise<void> | undefined;
  const failuresBeforeKill: string[] = [];

  /** One request; undefined when it was not acknowledged. */
  async function request<T>(what: string, send: () => Promise<T>): Promise<T | undefined> {
    if (killed || sent >= options.total) return undefined;
    sent++;
    inFlight++;
    try {
      const out = await send();
      if (++acknowledged === options.killAfter) {
        inFlightAtKill = inFlight - 1;
        killed = server.kill();
      }
      return out;
    } catch (e) {
      if (!killed) failuresBeforeKill.push(`${what}: ${(e as Error).name}: ${(e as Error).message}`);
      return undefined;
    } finally {
      inFlight--;
    }
  }

  async function worker(): Promise<void> {
    while (!killed && sent < options.total) {
      const created = await request('CreateKey', () => kms.send(new CreateKeyCommand({ Description: 'crash burst' })));
      const keyId = created?.KeyMetadata?.KeyId;
      if (!keyId) return;
      ledger.created.add(keyId);
      for (let round = 0; round < rounds; round++) {
        if (killed || sent >= options.total) return;
        const rotated = await request('RotateKeyOnDemand', () => kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId })));
        if (!rotated) {
          bump(ledger.unacknowledgedRotations, keyId);
          return;
        }
        bump(ledger.rotations, keyId);
        const plaintext = randomBytes(24);
        const encrypted = await request('Encrypt', () => kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext })));
        if (!encrypted?.CiphertextBlob) return;
        const material = readBlobHeader(Buffer.from(encrypted.CiphertextBlob)).material;
        ledger.ciphertexts.push({ keyId, blob: encrypted.CiphertextBlob, plaintext, material });
      }
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, worker));
  if (!killed) killed = server.kill();
  await killed;
  kms.destroy();
  return { acknowledged, inFlightAtKill, failuresBeforeKill };
}

/** Asserts that everything in the ledger survived, through the API of a (restarted) server. */
export async function verifyLedger(url: string, ledger: Ledger): Promise<void> {
  const kms = kmsClient(url, CUSTOMER);
  try {
    const listed = new Set<string>();
    let marker: string | undefined;
    do {
      const page = await kms.send(new ListKeysCommand({ Limit: 1000, ...(marker ? { Marker: marker } : {}) }));
      for (const k of page.Keys ?? []) listed.add(k.KeyId!);
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    const missing = [...ledger.created].filter((id) => !listed.has(id));
    assert.deepEqual(missing, [], 'every acknowledged CreateKey is listed');

    await Promise.all(
      [...ledger.created].map(async (keyId) => {
        const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
        assert.equal(KeyMetadata?.KeyState, 'Enabled', keyId);
        const { Rotations = [] } = await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }));
        const acked = ledger.rotations.get(keyId) ?? 0;
        const maybe = ledger.unacknowledgedRotations.get(keyId) ?? 0;
        assert.ok(Rotations.length >= acked, `${keyId}: ${Rotations.length} rotations listed, ${acked} acknowledged`);
        assert.ok(Rotations.length <= acked + maybe, `${keyId}: ${Rotations.length} rotations listed, only ${acked} + ${maybe} sent`);
        assert.ok(Rotations.every((r) => r.RotationType === 'ON_DEMAND'));
      }),
    );

    for (const c of ledger.ciphertexts) {
      assert.ok(c.material >= 2 && c.material <= (ledger.rotations.get(c.keyId) ?? 0) + (ledger.unacknowledgedRotations.get(c.keyId) ?? 0) + 1);
      const out = await kms.send(new DecryptCommand({ CiphertextBlob: c.blob }));
      assert.deepEqual(Buffer.from(out.Plaintext!), c.plaintext, `ciphertext of ${c.keyId} v${c.material}`);
      assert.ok(out.KeyId?.endsWith(c.keyId));
    }
  } finally {
    kms.destroy();
  }
}
