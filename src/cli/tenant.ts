import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { TenantError } from '../tenants/errors.js';
import { checkCmkAllowed, checkDeployment, checkKeyRegion, checkMode, checkRegion, checkTenantName, parseKeyArn } from '../tenants/validate.js';

/** Exit codes (README "CLI exit codes"): 1 user error, 2 internal error, 3 the server refused. */
const EXIT = { user: 1, internal: 2, refused: 3 } as const;

class CliFailure extends Error {
  readonly exitCode: number;
  readonly body?: unknown;
  constructor(exitCode: number, message: string, body?: unknown) {
    super(message);
    this.exitCode = exitCode;
    this.body = body;
  }
}

interface GlobalFlags {
  endpointUrl?: string;
  output: string;
}

interface Reply {
  status: number;
  body: any;
}

const DEFAULT_ENDPOINT = 'http://127.0.0.1:4600';

/** A control API client: JSON over HTTP, SigV4-signed (service `opencmk`) with the AWS credential chain. */
function controlClient(flags: GlobalFlags) {
  const endpoint = new URL(flags.endpointUrl ?? process.env.OPENCMK_ENDPOINT_URL ?? DEFAULT_ENDPOINT);
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  let signer: SignatureV4 | undefined;
  async function getSigner(): Promise<SignatureV4> {
    if (signer) return signer;
    let credentials;
    try {
      // Environment, then the shared credentials and config files (AWS_PROFILE), then the rest of the chain.
      credentials = await defaultProvider({ maxRetries: 0, timeout: 1000 })();
    } catch (e) {
      throw new CliFailure(EXIT.user, `opencmk tenant: no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE): ${(e as Error).message}`);
    }
    signer = new SignatureV4({ credentials, region, service: 'opencmk', sha256: Hash.bind(null, 'sha256') });
    return signer;
  }
  return {
    endpoint: endpoint.toString(),
    async request(method: string, path: string, body?: unknown): Promise<Reply> {
      const target = new URL(path, endpoint);
      const text = body === undefined ? '' : JSON.stringify(body);
      const query: Record<string, string> = {};
      for (const [k, v] of target.searchParams) query[k] = v;
      const signed = await (await getSigner()).sign(
        new HttpRequest({
          method,
          protocol: target.protocol,
          hostname: target.hostname,
          ...(target.port ? { port: Number(target.port) } : {}),
          path: target.pathname,
          query,
          headers: { host: target.host, 'content-type': 'application/json' },
          body: text,
        }),
      );
      const { host: _host, ...headers } = signed.headers as Record<string, string>;
      let res: Response;
      try {
        res = await fetch(target, { method, headers, ...(method === 'GET' ? {} : { body: text }) });
      } catch (e) {
        const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
        throw new CliFailure(EXIT.internal, `opencmk tenant: cannot reach the server at ${endpoint.origin} (${cause}); set --endpoint-url or OPENCMK_ENDPOINT_URL.`, { network: true });
      }
      const raw = await res.text();
      let json: any;
      try {
        json = raw ? JSON.parse(raw) : {};
      } catch {
        throw new CliFailure(EXIT.internal, `opencmk tenant: the server at ${endpoint.origin} did not answer with JSON (HTTP ${res.status}): is it opencmk?`);
      }
      if (res.status >= 400) {
        const code = json?.code ?? `HTTP ${res.status}`;
        throw new CliFailure(res.status >= 500 ? EXIT.internal : EXIT.refused, `${code}: ${json?.message ?? raw}`, json);
      }
      return { status: res.status, body: json };
    },
  };
}

const when = (ms?: number) => (ms === undefined ? '-' : new Date(ms).toISOString());
function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

function healthLine(h: any): string {
  if (!h) return 'unknown (not probed yet)';
  return `${h.state} since ${when(h.since)} (checked ${when(h.checkedAt)})${h.detail && h.state !== 'healthy' ? `\n    ${h.detail}` : ''}`;
}

function jobLines(job: any): string[] {
  if (!job) return [];
  const lines = [
    `Re-encryption:  ${job.id} (${job.mode}) ${job.state}, ${job.done.objects}/${job.total.objects} objects, ${bytes(job.done.bytes)}/${bytes(job.total.bytes)}`,
    `                re-encrypted ${job.done.reencrypted}, KMS ReEncrypt calls ${job.done.reEncryptCalls}, bytes rewritten ${bytes(job.done.bytesRewritten)}, changed meanwhile ${job.done.changedMeanwhile}, skipped ${job.done.skipped}`,
  ];
  if (job.state === 'running') lines.push(`                ${job.progress.percent}% at ${job.progress.objectsPerSecond} objects/s${job.progress.etaSeconds !== undefined ? `, ETA ${job.progress.etaSeconds}s` : ''}`);
  if (job.error) lines.push(`                error: ${job.error}`);
  lines.push(...remainingLines(job).map((l) => `                ${l}`));
  return lines;
}

function remainingLines(job: any): string[] {
  if (job.state !== 'succeeded') return [];
  if (job.oldKeysNoLongerNeeded) return ['No object depends on an old key any more: old keys may be disabled.'];
  return (job.remaining ?? []).map((r: any) => `${r.objects} objects (${bytes(r.bytes)}) still depend on ${r.keyArn}: do not disable it yet.`);
}

function printPreflight(report: any): void {
  if (!report) return;
  for (const c of report.checks) process.stdout.write(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}\n`);
  for (const w of report.warnings) process.stdout.write(`  warning: ${w}\n`);
}

function printTenant(t: any): void {
  process.stdout.write(
    [
      `Tenant:         ${t.name}`,
      `Deployment:     ${t.deployment}`,
      `Region:         ${t.region}`,
      `Provider:       ${t.providerPrincipalArn} (account ${t.providerAccountId})`,
      `Key:            ${t.keyArn} (${t.keyMode})`,
      `Buckets:        ${t.buckets.join(', ')}`,
      `Key history:`,
      ...t.keyHistory.map((h: any) => `  ${when(h.from)} – ${h.until ? when(h.until) : 'now'}  ${h.keyArn} (${h.keyMode})`),
    ].join('\n') + '\n',
  );
}

/** Polls a job until it ends, with a progress bar on a terminal (a line per 10% otherwise). */
async function watchJob(client: ReturnType<typeof controlClient>, name: string, json: boolean): Promise<any> {
  const tty = process.stderr.isTTY === true && !json;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: ' {bar} {percentage}% | {value}/{total} objects | {done} | {rate} objects/s | ETA {eta_formatted}', hideCursor: true, etaBuffer: 20 },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let started = false;
  let lastTenth = -1;
  let unreachableSince: number | undefined;
  try {
    for (;;) {
      let job: any;
      try {
        job = (await client.request('GET', `/v1/tenants/${encodeURIComponent(name)}/reencrypt`)).body;
        unreachableSince = undefined;
      } catch (e) {
        // The server may be restarting: the job resumes there, so keep asking for a while.
        if (e instanceof CliFailure && (e.body as { network?: boolean } | undefined)?.network) {
          unreachableSince ??= Date.now();
          if (Date.now() - unreachableSince > 60_000) throw e;
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        throw e;
      }
      const payload = { done: bytes(job.done.bytes), rate: job.progress.objectsPerSecond };
      const total = Math.max(job.total.objects, job.done.objects);
      if (bar) {
        if (!started) bar.start(total, job.done.objects, payload);
        else {
          bar.setTotal(total);
          bar.update(job.done.objects, payload);
        }
        started = true;
      } else if (!json) {
        const tenth = Math.floor(job.progress.percent / 10);
        if (tenth !== lastTenth) {
          lastTenth = tenth;
          process.stderr.write(`reencrypt ${name}: ${job.progress.percent}% ${job.done.objects}/${total} objects, ${bytes(job.done.bytes)}, ${job.progress.objectsPerSecond} objects/s${job.progress.etaSeconds !== undefined ? `, ETA ${job.progress.etaSeconds}s` : ''}\n`);
        }
      }
      if (job.state !== 'running') return job;
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    bar?.stop();
  }
}

async function finishJob(job: any, json: boolean): Promise<void> {
  if (json) printJson(job);
  else process.stdout.write(jobLines(job).join('\n') + '\n');
  if (job.state === 'failed') throw new CliFailure(EXIT.refused, `re-encryption ${job.id} failed: ${job.error}`);
}

/** Runs an action, turning failures into the documented exit codes. */
function action<A extends unknown[]>(run: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (e) {
      if (e instanceof CliFailure) {
        // With --output json, the server's error document goes to stdout too, for scripts.
        const flags = args.find((a) => typeof a === 'object' && a !== null && 'output' in a) as GlobalFlags | undefined;
        if (flags?.output === 'json' && e.body && !(e.body as { network?: boolean }).network) printJson(e.body);
        process.stderr.write(`opencmk tenant: ${e.message}\n`);
        process.exit(e.exitCode);
      }
      if (e instanceof TenantError) {
        process.stderr.write(`opencmk tenant: ${e.message}\n`);
        process.exit(EXIT.user);
      }
      process.stderr.write(`opencmk tenant: ${(e as Error).stack ?? e}\n`);
      process.exit(EXIT.internal);
    }
  };
}

const globals = (command: Command) =>
  command
    .option('--endpoint-url <url>', `the opencmk server (also OPENCMK_ENDPOINT_URL; default ${DEFAULT_ENDPOINT})`)
    .option('--output <format>', 'text or json', 'text');

function checkOutput(flags: GlobalFlags): boolean {
  if (flags.output !== 'text' && flags.output !== 'json') throw new CliFailure(EXIT.user, `--output must be text or json, got '${flags.output}'`);
  return flags.output === 'json';
}

const path = (name: string, rest = '') => `/v1/tenants/${encodeURIComponent(name)}${rest}`;

export function registerTenant(program: Command): void {
  const tenant = program
    .command('tenant')
    .description('the tenant control plane: onboard tenants, change and re-encrypt under their keys, watch key health (docs/tenants.md)');

  globals(
    tenant
      .command('create <name>')
      .description("onboard a tenant: preflight its customer key (or create a provider-managed one), create its buckets")
      .requiredOption('--deployment <type>', 'dedicated (Enterprise Dedicated) or shared (Enterprise Cloud)')
      .requiredOption('--region <region>', "the tenant's AWS region, e.g. us-east-1")
      .option('--kms-key-arn <arn>', 'the customer managed key (dedicated only); omit for a provider-managed key'),
  ).action(
    action(async (name: string, flags: GlobalFlags & { deployment: string; region: string; kmsKeyArn?: string }) => {
      const json = checkOutput(flags);
      checkTenantName(name);
      checkDeployment(flags.deployment);
      checkRegion(flags.region);
      if (flags.kmsKeyArn !== undefined) {
        checkCmkAllowed({ name, deployment: flags.deployment });
        checkKeyRegion(parseKeyArn(flags.kmsKeyArn), { name, region: flags.region });
      }
      const client = controlClient(flags);
      const { body } = await client.request('POST', '/v1/tenants', {
        name,
        deployment: flags.deployment,
        region: flags.region,
        ...(flags.kmsKeyArn !== undefined ? { kmsKeyArn: flags.kmsKeyArn } : {}),
      });
      if (json) return printJson(body);
      process.stdout.write(`Created tenant ${name}.\n`);
      printTenant(body.tenant);
      process.stdout.write(`Key health:     ${healthLine(body.health)}\n`);
      if (body.preflight) {
        process.stdout.write('Preflight:\n');
        printPreflight(body.preflight);
      }
    }),
  );

  globals(tenant.command('list').description('every tenant with its key and key health')).action(
    action(async (flags: GlobalFlags) => {
      const json = checkOutput(flags);
      const { body } = await controlClient(flags).request('GET', '/v1/tenants');
      if (json) return printJson(body);
      if (body.tenants.length === 0) return void process.stdout.write('No tenants.\n');
      const rows = [['NAME', 'DEPLOYMENT', 'REGION', 'KEY MODE', 'HEALTH', 'KEY'], ...body.tenants.map((t: any) => [t.name, t.deployment, t.region, t.keyMode, t.health, t.keyArn])];
      const widths = rows[0]!.map((_: string, i: number) => Math.max(...rows.map((r: string[]) => r[i]!.length)));
      for (const r of rows) process.stdout.write(r.map((c: string, i: number) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
    }),
  );

  globals(tenant.command('describe <name>').description('region, key and its history, key health, buckets, objects and bytes per key')).action(
    action(async (name: string, flags: GlobalFlags) => {
      const json = checkOutput(flags);
      const { body } = await controlClient(flags).request('GET', path(name));
      if (json) return printJson(body);
      printTenant(body.tenant);
      process.stdout.write(`Key health:     ${healthLine(body.health)}\n`);
      process.stdout.write('Objects by key:\n');
      if (body.usage.byKey.length === 0) process.stdout.write('  (no objects)\n');
      for (const u of body.usage.byKey) process.stdout.write(`  ${u.keyArn}: ${u.objects} objects, ${bytes(u.bytes)}\n`);
      for (const b of body.usage.buckets) process.stdout.write(`  bucket ${b.name}: ${b.objects} objects, ${bytes(b.bytes)}\n`);
      const lines = jobLines(body.job);
      if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
    }),
  );

  globals(tenant.command('status <name>').description("the key's health and the running or last job").option('--probe', 'probe the key now, as the provider principal')).action(
    action(async (name: string, flags: GlobalFlags & { probe?: boolean }) => {
      const json = checkOutput(flags);
      const { body } = await controlClient(flags).request(flags.probe ? 'POST' : 'GET', path(name, flags.probe ? '/probe' : '/status'));
      if (json) return printJson(body);
      process.stdout.write(`Tenant:         ${body.name}\nKey:            ${body.keyArn} (${body.keyMode})\nKey health:     ${healthLine(body.health)}\n`);
      const lines = jobLines(body.job);
      if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
    }),
  );

  globals(
    tenant
      .command('preflight <name>')
      .description('check a key for a tenant (or, with --region, for one not created yet) without changing anything')
      .requiredOption('--kms-key-arn <arn>', 'the key to check')
      .option('--region <region>', 'the region of a tenant not created yet'),
  ).action(
    action(async (name: string, flags: GlobalFlags & { kmsKeyArn: string; region?: string }) => {
      const json = checkOutput(flags);
      parseKeyArn(flags.kmsKeyArn);
      const { body } = await controlClient(flags).request('POST', path(name, '/preflight'), { kmsKeyArn: flags.kmsKeyArn, ...(flags.region ? { region: flags.region } : {}) });
      if (json) return printJson(body);
      process.stdout.write(`Key ${body.keyArn} passed every check:\n`);
      printPreflight(body);
    }),
  );

  globals(
    tenant
      .command('set-key <name>')
      .description("switch the tenant to a new key: new writes use it at once; existing objects stay under the old key until `tenant reencrypt`")
      .requiredOption('--kms-key-arn <arn>', 'the new key')
      .option('--migrate', 'move a provider-managed tenant to a customer managed key, and re-encrypt its data under it')
      .option('--no-wait', 'with --migrate: do not wait for the re-encryption'),
  ).action(
    action(async (name: string, flags: GlobalFlags & { kmsKeyArn: string; migrate?: boolean; wait: boolean }) => {
      const json = checkOutput(flags);
      parseKeyArn(flags.kmsKeyArn);
      const client = controlClient(flags);
      const { body } = await client.request('PUT', path(name, '/key'), { kmsKeyArn: flags.kmsKeyArn, ...(flags.migrate ? { migrate: true } : {}) });
      if (!json) {
        process.stdout.write(`Tenant ${name} now uses ${body.tenant.keyArn} for new writes.\n`);
        printPreflight(body.preflight);
        if (!body.job) process.stdout.write(`Existing objects stay under the old key until re-encrypted: opencmk tenant reencrypt ${name}\n`);
      }
      if (body.job && flags.wait) {
        const job = await watchJob(client, name, json);
        if (json) return printJson({ ...body, job });
        return finishJob(job, false);
      }
      if (json) printJson(body);
    }),
  );

  globals(
    tenant
      .command('reencrypt <name>')
      .description("re-encrypt every object of the tenant under its current key (a resumable background job; run again to re-attach)")
      .option('--mode <mode>', 'rewrap (re-wrap data keys with KMS ReEncrypt; no object bytes rewritten) or full (new data keys, bytes rewritten)', 'rewrap')
      .option('--no-wait', 'start the job and return'),
  ).action(
    action(async (name: string, flags: GlobalFlags & { mode: string; wait: boolean }) => {
      const json = checkOutput(flags);
      try {
        checkMode(flags.mode);
      } catch (e) {
        throw new CliFailure(EXIT.user, (e as Error).message);
      }
      const client = controlClient(flags);
      const { body } = await client.request('POST', path(name, '/reencrypt'), { mode: flags.mode });
      if (!flags.wait) {
        if (json) return printJson(body);
        process.stdout.write(`${body.alreadyRunning ? 'Attached to the running' : 'Started'} re-encryption ${body.job.id} of ${name} (${body.job.mode}) under ${body.job.targetKeyArn}: ${body.job.total.objects} objects, ${bytes(body.job.total.bytes)}.\n`);
        return;
      }
      if (!json) process.stderr.write(`${body.alreadyRunning ? 'Attached to the running' : 'Started'} re-encryption ${body.job.id} (${body.job.mode}) under ${body.job.targetKeyArn}\n`);
      await finishJob(await watchJob(client, name, json), json);
    }),
  );
}
