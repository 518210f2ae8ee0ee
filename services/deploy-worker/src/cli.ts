/**
 * `pnpm deploy-cli <command>` — operators start, approve, reject, cancel and follow deployments.
 *
 *   start   --template <id> --devices <id,id…> [--param k=v …] [--batch-size 5] [--failure-threshold 0]
 *           [--approval-timeout-seconds 86400] [--rollback-template <id> --rollback-param k=v …] [--reason "…"]
 *   approve <workflow-id> [--comment "…"]
 *   reject  <workflow-id> --reason "…"
 *   cancel  <workflow-id> --reason "…"
 *   status  <workflow-id>
 *   list    [--limit 20]
 *
 * Identity: `--as <user> --groups <g,g>` (or DEPLOY_USER / DEPLOY_GROUPS). The CLI trusts the operator's
 * access to the Temporal namespace (mTLS / API key); agents go through mcp-network, where the identity
 * comes from a verified OAuth token. Output is JSON.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '@mcp-platform/mcp-common/config';
import { connectClient, createDeploymentClient } from './client.ts';
import { loadClientConfig } from './config.ts';
import type { Identity, TemplateParams } from './types.ts';

function params(pairs: string[] | undefined): TemplateParams {
  const out: TemplateParams = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new TypeError(`--param must be key=value (got "${pair}")`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

const int = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new TypeError(`--${name} must be a non-negative integer`);
  return Number(v);
};

/** Runs one CLI command; returns the JSON to print. */
export async function runCli(argv: string[], env: Record<string, string | undefined>): Promise<unknown> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      as: { type: 'string' },
      groups: { type: 'string' },
      template: { type: 'string' },
      devices: { type: 'string' },
      param: { type: 'string', multiple: true },
      'batch-size': { type: 'string' },
      'failure-threshold': { type: 'string' },
      'approval-timeout-seconds': { type: 'string' },
      'rollback-template': { type: 'string' },
      'rollback-param': { type: 'string', multiple: true },
      reason: { type: 'string' },
      comment: { type: 'string' },
      limit: { type: 'string' },
      'workflow-id': { type: 'string' },
    },
  });
  const [command, workflowId] = positionals;
  const user = values.as ?? env['DEPLOY_USER'];
  const identity = (): Identity => {
    if (!user) throw new TypeError('who are you? pass --as <user> (and --groups) or set DEPLOY_USER');
    return { id: user, groups: (values.groups ?? env['DEPLOY_GROUPS'] ?? '').split(',').map((g) => g.trim()).filter(Boolean) };
  };
  const needId = (): string => {
    if (!workflowId) throw new TypeError(`${command} needs a workflow id`);
    return workflowId;
  };
  if (!['start', 'approve', 'reject', 'cancel', 'status', 'list'].includes(String(command))) {
    throw new TypeError(`unknown command "${String(command)}" (use: start | approve | reject | cancel | status | list)`);
  }
  const config = loadClientConfig(env);
  const client = await connectClient(config);
  const deployments = createDeploymentClient(client, config.TEMPORAL_TASK_QUEUE);
  try {
    switch (command) {
      case 'start': {
        if (!values.template || !values.devices) throw new TypeError('start needs --template and --devices');
        const batchSize = int(values['batch-size'], 'batch-size');
        const failureThreshold = int(values['failure-threshold'], 'failure-threshold');
        const timeout = int(values['approval-timeout-seconds'], 'approval-timeout-seconds');
        const id = await deployments.start(
          {
            templateId: values.template,
            deviceIds: values.devices.split(',').map((d) => d.trim()).filter(Boolean),
            params: params(values.param),
            requester: identity(),
            ...(values.reason ? { reason: values.reason } : {}),
            ...(batchSize !== undefined ? { batchSize } : {}),
            ...(failureThreshold !== undefined ? { failureThreshold } : {}),
            ...(timeout !== undefined ? { approvalTimeoutMs: timeout * 1000 } : {}),
            ...(values['rollback-template'] ? { rollback: { templateId: values['rollback-template'], params: params(values['rollback-param']) } } : {}),
          },
          values['workflow-id'] ? { workflowId: values['workflow-id'] } : {},
        );
        return { workflowId: id, next: `pnpm deploy-cli status ${id}` };
      }
      case 'approve':
        return await deployments.approve(needId(), identity(), values.comment ? { comment: values.comment } : {});
      case 'reject':
      case 'cancel': {
        if (!values.reason) throw new TypeError(`${command} needs --reason`);
        await deployments[command](needId(), identity(), values.reason);
        return { workflowId, signalled: command };
      }
      case 'status':
        return await deployments.status(needId());
      case 'list':
        return await deployments.list({ limit: int(values.limit, 'limit') ?? 20 });
      default:
        throw new TypeError(`unknown command "${String(command)}" (use: start | approve | reject | cancel | status | list)`);
    }
  } finally {
    await client.connection.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // eslint-disable-next-line no-restricted-properties -- an entry point, like main.ts: hands the environment to the config parser
  runCli(process.argv.slice(2), process.env).then(
    (out) => process.stdout.write(`${JSON.stringify(out, null, 2)}\n`),
    (err: unknown) => {
      process.stderr.write(`deploy-cli: ${err instanceof ConfigError || err instanceof TypeError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
