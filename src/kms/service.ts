import type { KeyRecord } from '../store/types.js';
import type { KmsCallRecord } from './audit-record.js';
import { authorizeAccount, authorizeKey } from './authorize.js';
import type { KmsDeps, KmsRequest } from './context.js';
import { KmsError, kmsError } from './errors.js';
import { aliasArn, keyArn, parseKeyRef } from './key-ref.js';
import { createKeyRecordCache } from './key-cache.js';
import { createMaterialCache } from './material.js';
import type { KeyLookup, Operation, OperationContext } from './operation.js';
import { runDueWork } from './scheduler.js';
import { parseInput } from './validate.js';

export interface KeyService {
  /**
   * The one entry point for every KMS use, whoever makes it (DESIGN.md rule 2): validation →
   * key lookup with authorization → key state → crypto → audit record, then the answer.
   */
  invoke(request: KmsRequest, operation: Operation, body: unknown): Promise<unknown>;
  /** Rotates keys that are due and erases keys whose deletion window has passed. */
  runScheduledWork(): Promise<{ rotated: number; deleted: number }>;
}

export function createKeyService(deps: KmsDeps): KeyService {
  const materials = createMaterialCache(deps);
  const keys = createKeyRecordCache(deps.keys);

  async function lookup(request: KmsRequest, ref: string, options: KeyLookup): Promise<KeyRecord> {
    const parsed = parseKeyRef(ref);
    const own = request.principal.accountId;
    const notFound = (what: string) => kmsError('not-found', what);
    if (!parsed) throw notFound(`Invalid keyId '${ref}'`);
    if ((parsed.kind === 'alias-name' || parsed.kind === 'alias-arn') && !options.acceptAlias) {
      throw notFound(`Invalid keyId '${ref}'`);
    }
    let keyId: string;
    let accountId: string;
    switch (parsed.kind) {
      case 'key-id':
        keyId = parsed.keyId;
        accountId = own;
        break;
      case 'key-arn':
        // Keys are regional: an ARN of another region names no key here.
        if (parsed.region !== request.region) throw notFound(`Invalid arn ${parsed.region}`);
        keyId = parsed.keyId;
        accountId = parsed.accountId;
        break;
      case 'alias-name':
      case 'alias-arn': {
        const aliasAccount = parsed.kind === 'alias-arn' ? parsed.accountId : own;
        const arn = aliasArn(request.region, aliasAccount, parsed.name);
        if (parsed.kind === 'alias-arn' && parsed.region !== request.region) throw notFound(`Invalid arn ${parsed.region}`);
        const alias = await deps.keys.getAlias(aliasAccount, request.region, parsed.name);
        if (!alias) throw notFound(`Alias ${arn} is not found.`);
        keyId = alias.targetKeyId;
        accountId = aliasAccount;
        break;
      }
    }
    const key = await keys.get(request.region, keyId);
    if (!key || key.accountId !== accountId) throw notFound(`Key '${keyArn(request.region, accountId, keyId)}' does not exist`);
    return key;
  }

  async function invoke(request: KmsRequest, operation: Operation, body: unknown): Promise<unknown> {
    const resources = new Map<string, { arn: string; accountId: string }>();
    const ctx: OperationContext = {
      deps,
      request,
      operation: operation.name,
      auditParameters: null,
      auditResponse: null,
      async key(ref, options) {
        const key = await lookup(request, ref, options);
        resources.set(key.arn, { arn: key.arn, accountId: key.accountId });
        const conditions = ref.startsWith('alias/') || ref.includes(':alias/')
          ? { ...options.conditions, 'kms:RequestAlias': ref.startsWith('alias/') ? ref : `alias/${ref.split(':alias/')[1]}` }
          : options.conditions;
        authorizeKey(request, options.action, key, conditions);
        return key;
      },
      async keyById(keyId, options) {
        const key = await keys.get(request.region, keyId);
        if (!key) return undefined;
        resources.set(key.arn, { arn: key.arn, accountId: key.accountId });
        authorizeKey(request, options.action, key, options.conditions);
        return key;
      },
      authorizeAccount(action, conditions) {
        authorizeAccount(request, action, conditions);
      },
      material: (key, version) => materials.get(key, version ?? key.currentMaterial),
      async save(key) {
        const saved = { ...key, revision: key.revision + 1 };
        await deps.keys.updateKey(saved);
        deps.onKeyChange?.(key.arn);
        return saved;
      },
    };
    let result: unknown;
    let failure: unknown;
    try {
      const input = parseInput(operation.input, body);
      result = await operation.run(ctx, input);
    } catch (e) {
      failure = e;
    }
    if (deps.audit) {
      const record: KmsCallRecord = {
        eventName: operation.name,
        eventTime: request.time,
        readOnly: operation.readOnly,
        request,
        requestParameters: ctx.auditParameters,
        responseElements: failure === undefined ? ctx.auditResponse : null,
        resources: [...resources.values()],
        ...(failure !== undefined ? errorFields(failure) : {}),
      };
      // Fail closed: an answer whose record could not be kept is not given.
      await deps.audit(record);
    }
    if (failure !== undefined) throw failure;
    return result;
  }

  return {
    invoke,
    runScheduledWork: () => runDueWork(deps, materials),
  };
}

function errorFields(e: unknown): { errorCode: string; errorMessage: string } {
  if (e instanceof KmsError) return { errorCode: e.code, errorMessage: e.message };
  return { errorCode: 'internal', errorMessage: 'An internal error occurred.' };
}
