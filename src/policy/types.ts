/** A condition key's value in the request: booleans, numbers and dates arrive as strings. */
export type ContextValue = string | string[] | undefined;

/** Everything `evaluateKeyAccess` needs to know about one KMS request. */
export interface AuthorizationRequest {
  /** The authenticated caller, e.g. `arn:aws:iam::272506498303:user/storage`. */
  principal: { arn: string; accountId: string };
  /** The KMS action, e.g. `kms:Decrypt`. */
  action: string;
  /** The key ARN, `arn:aws:kms:us-east-1:111122223333:key/<uuid>`. */
  resource: string;
  /** The account that owns the key. */
  resourceAccountId: string;
  /**
   * Condition keys by name; names are matched case-insensitively. May be given as a function that
   * builds them: it is called at most once per evaluation, and only when a condition or a policy
   * variable reads a key (a policy without either, like the default key policy, never needs one).
   */
  context: Record<string, ContextValue> | (() => Record<string, ContextValue>);
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

export type PolicyVersion = '2012-10-17' | '2008-10-17';

/**
 * A parsed, validated policy, compiled for evaluation. Build it with `parsePolicy`; treat the
 * fields below `id` as internal to `src/policy`.
 */
export interface Policy {
  readonly version: PolicyVersion | undefined;
  readonly id: string | undefined;
  /** Number of statements in the document, including ignored ones. */
  readonly statementCount: number;
  readonly denies: readonly CompiledStatement[];
  readonly allows: readonly CompiledStatement[];
}

/** Internal: one effective statement (it has an Action or NotAction and a Resource or NotResource). */
export interface CompiledStatement {
  readonly index: number;
  readonly sid: string | undefined;
  readonly principal: PrincipalMatcher | undefined;
  readonly action: ActionMatcher;
  readonly resource: (st: EvalState) => boolean;
  readonly conditions: readonly ConditionEntry[];
}

/** Internal: the request as evaluation sees it, with per-request caches filled on demand. */
export interface EvalState {
  readonly req: AuthorizationRequest;
  /** The action, lower-cased once per request (action names match case-insensitively). */
  readonly action: string;
  /** `req.context`, built on first use when given as a function. */
  context: Record<string, ContextValue> | undefined;
  lowerContext: Map<string, ContextValue> | undefined;
  /** The role behind an assumed-role session ARN; null when the caller is not one. */
  role: { account: string; name: string } | null | undefined;
}

/** Internal. */
export interface PrincipalMatcher {
  /** NotPrincipal. */
  readonly negated: boolean;
  readonly any: boolean;
  readonly accounts: ReadonlySet<string>;
  readonly arns: ReadonlySet<string>;
  /** IAM role ARNs by account and role name, to match that role's assumed-role sessions. */
  readonly roles: readonly { account: string; name: string }[];
}

/** Internal. */
export interface ActionMatcher {
  /** NotAction. */
  readonly negated: boolean;
  readonly any: boolean;
  readonly exact: ReadonlySet<string>;
  readonly patterns: readonly ((action: string) => boolean)[];
}

/** Internal: one condition key under one operator. */
export interface ConditionEntry {
  /** The operator as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  readonly operator: string;
  readonly key: string;
  readonly lowerKey: string;
  readonly set: 'none' | 'any' | 'all';
  readonly negated: boolean;
  readonly ifExists: boolean;
  /** Null operator: which states of the key satisfy it. */
  readonly nullCheck: { readonly absent: boolean; readonly present: boolean } | undefined;
  /** True when the request value matches at least one of the policy's values. */
  readonly test: (value: string, st: EvalState) => boolean;
}
