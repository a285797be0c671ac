import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHAIN_MEMBER, chainHash, chainRecord, GENESIS_HASH, splitChainMember, withChainMember } from '../../../src/audit/chain.js';

// Vectors computed independently with Python's hashlib (docs/audit.md §3):
//   sha256(bytes(32) + (1).to_bytes(8, 'big') + b'{"a":1}')
//   sha256(bytes.fromhex(h1) + (2).to_bytes(8, 'big') + '{"b":"é"}'.encode())
const H1 = 'efdc0e2f8a22c30683385791552f8455b898f59e1aa4d1a6c77f0457bd1d5947';
const H2 = 'c7b4aa011816081ce7945950e74f2c3441daa3f97a86a9666824a16954fffc4b';

describe('audit record chain', () => {
  it('hashes the previous hash, the sequence and the record bytes (vectors)', () => {
    assert.equal(chainHash(GENESIS_HASH, 1, '{"a":1}'), H1);
    assert.equal(chainHash(H1, 2, '{"b":"é"}'), H2);
  });

  it('changes when the record, the sequence or the previous hash changes', () => {
    assert.notEqual(chainHash(GENESIS_HASH, 1, '{"a":2}'), H1);
    assert.notEqual(chainHash(GENESIS_HASH, 2, '{"a":1}'), H1);
    assert.notEqual(chainHash(H2, 1, '{"a":1}'), H1);
  });

  it('appends the chain member last and splits it off again without parsing', () => {
    const { hash, text } = chainRecord(GENESIS_HASH, 1, '{"a":1}');
    assert.equal(hash, H1);
    assert.equal(text, `{"a":1,"${CHAIN_MEMBER}":{"sequence":1,"hash":"${H1}"}}`);
    assert.deepEqual(JSON.parse(text), { a: 1, opencmkChain: { sequence: 1, hash: H1 } });
    assert.deepEqual(splitChainMember(text), { record: '{"a":1}', sequence: 1, hash: H1 });
  });

  it('finds the real member even when a value before it contains the same text', () => {
    const record = JSON.stringify({ ctx: `,"${CHAIN_MEMBER}":{"sequence":9,"hash":"${'0'.repeat(64)}"}}` });
    const { text } = chainRecord(GENESIS_HASH, 3, record);
    assert.deepEqual(splitChainMember(text), { record, sequence: 3, hash: chainHash(GENESIS_HASH, 3, record) });
  });

  it('rejects text without a well-formed member', () => {
    assert.equal(splitChainMember('{"a":1}'), undefined);
    assert.equal(splitChainMember(`{"a":1,"${CHAIN_MEMBER}":{"sequence":1,"hash":"xyz"}}`), undefined);
    assert.equal(splitChainMember(`{"a":1,"${CHAIN_MEMBER}":{"sequence":1,"hash":"${H1}"}} `), undefined);
  });

  it('Precondition: a chain hash follows a 64-hex-digit hash and a positive integer sequence.', () => {
    assert.throws(() => chainHash('abc', 1, '{}'), /64 hex digits/);
    assert.throws(() => chainHash(GENESIS_HASH, 0, '{}'), /positive integer/);
    assert.throws(() => chainHash(GENESIS_HASH, 1.5, '{}'), /positive integer/);
  });

  it('Precondition: only a compact JSON object gets a chain member.', () => {
    assert.throws(() => withChainMember('[1]', 1, H1), /one-line JSON object/);
    assert.throws(() => withChainMember('{}', 1, H1), /one-line JSON object/);
    assert.throws(() => withChainMember('{"a":\n1}', 1, H1), /one-line JSON object/);
  });
});
