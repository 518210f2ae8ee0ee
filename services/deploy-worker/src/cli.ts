/**
 * `pnpm deploy-cli <command>` — operators start, approve, reject, cancel and follow deployments.
 *
 *   start   --template <id> --devices <id,id…> [--param k=v …] [--batch-size 5] [--failure-threshold 0]
 *           [--approval-timeout-seconds 86400] [--rollback-template <id> --rollback-param k=v …] [--reason "…"]
 *           [--on-batch-failure rollback|ask [--input-timeout-seconds 3600]]
 *   approve <workflow-id> [--comment "…"]
 *   reject  <workflow-id> --reason "…"
 *   cancel  <workflow-id> --reason "…"
 *   respond <workflow-id> continue|rollback|cancel    (the requester answers the open question, `progress.input`)
 *   status  <workflow-id>
 *   list    [--limit 20]
 *
 * Identity: start/approve/reject/cancel/respond log in at the IdP (`DEPLOY_CLI_GRANT`: device, password or
 * the dev IdP's dev-password; `--user`/DEPLOY_USER, DEPLOY_PASSWORD[_FILE]) for a fresh access token
 * whose audience is the deploy worker; the worker verifies it and decides on the verified subject and
 * groups. There is no way to name a user or groups. Output is JSON.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '@mcp-platform/mcp-common/config';
import { loadClientConfig } from './config.ts';
import { login } from './login.ts';
import { connectClient, createDeploymentClient, type InputDecision, type TemplateParams } from '@mcp-platform/deployment-contract';

const COMMANDS = ['start', 'approve', 'reject', 'cancel', 'respond', 'status', 'list'];

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

/**
 * Runs one CLI command; returns the JSON to print. `notify` shows the device login's URL and code.
 *
 * @example
 * ```ts
 * const out = await runCli(['approve', 'deploy-1'], process.env, (m) => process.stderr.write(m));
 * ```
 */
export async function runCli(argv: string[], env: Record<string, string | undefined>, notify: (message: string) => void = () => undefined): Promise<unknown> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      user: { type: 'string' },
      template: { type: 'string' },
      devices: { type: 'string' },
      param: { type: 'string', multiple: true },
      'batch-size': { type: 'string' },
      'failure-threshold': { type: 'string' },
      'approval-timeout-seconds': { type: 'string' },
      'rollback-template': { type: 'string' },
      'rollback-param': { type: 'string', multiple: true },
      'on-batch-failure': { type: 'string' },
      'input-timeout-seconds': { type: 'string' },
      reason: { type: 'string' },
      comment: { type: 'string' },
      limit: { type: 'string' },
      'workflow-id': { type: 'string' },
    },
  });
  const [command, workflowId, decision] = positionals;
  const needId = (): string => {
    if (!workflowId) throw new TypeError(`${command} needs a workflow id`);
    return workflowId;
  };
  if (!COMMANDS.includes(String(command))) throw new TypeError(`unknown command "${String(command)}" (use: ${COMMANDS.join(' | ')})`);
  const onBatchFailure = values['on-batch-failure'];
  if (onBatchFailure !== undefined && onBatchFailure !== 'rollback' && onBatchFailure !== 'ask') throw new TypeError('--on-batch-failure must be rollback or ask');
  if (values['input-timeout-seconds'] !== undefined && onBatchFailure !== 'ask') throw new TypeError('--input-timeout-seconds needs --on-batch-failure ask');
  // Checked before logging in: a bad decision costs nobody a credential.
  if (command === 'respond' && decision !== 'continue' && decision !== 'rollback' && decision !== 'cancel') throw new TypeError('respond needs a decision: continue, rollback or cancel');
  const config = loadClientConfig(env);
  const username = values.user ?? config.DEPLOY_USER;
  // One fresh credential per action: the worker accepts each credential once.
  const credential = () =>
    login({
      issuer: config.OIDC_ISSUER,
      clientId: config.DEPLOY_CLI_CLIENT_ID,
      grant: config.DEPLOY_CLI_GRANT,
      audience: config.DEPLOY_WORKER_AUDIENCE,
      ...(username !== undefined ? { username } : {}),
      ...(config.DEPLOY_PASSWORD !== undefined ? { password: config.DEPLOY_PASSWORD } : {}),
      notify,
    });
  const client = await connectClient(config);
  const deployments = createDeploymentClient(client, config.TEMPORAL_TASK_QUEUE);
  try {
    switch (command) {
      case 'start': {
        if (!values.template || !values.devices) throw new TypeError('start needs --template and --devices');
        const batchSize = int(values['batch-size'], 'batch-size');
        const failureThreshold = int(values['failure-threshold'], 'failure-threshold');
        const timeout = int(values['approval-timeout-seconds'], 'approval-timeout-seconds');
        const inputTimeout = int(values['input-timeout-seconds'], 'input-timeout-seconds');
        if (inputTimeout === 0) throw new TypeError('--input-timeout-seconds must be at least 1');
        const id = await deployments.start(
          {
            templateId: values.template,
            deviceIds: values.devices.split(',').map((d) => d.trim()).filter(Boolean),
            params: params(values.param),
            credential: await credential(),
            ...(values.reason ? { reason: values.reason } : {}),
            ...(batchSize !== undefined ? { batchSize } : {}),
            ...(failureThreshold !== undefined ? { failureThreshold } : {}),
            ...(timeout !== undefined ? { approvalTimeoutMs: timeout * 1000 } : {}),
            ...(values['rollback-template'] ? { rollback: { templateId: values['rollback-template'], params: params(values['rollback-param']) } } : {}),
            ...(onBatchFailure !== undefined ? { onBatchFailure } : {}),
            ...(inputTimeout !== undefined ? { inputTimeoutMs: inputTimeout * 1000 } : {}),
          },
          values['workflow-id'] ? { workflowId: values['workflow-id'] } : {},
        );
        return { workflowId: id, next: `pnpm deploy-cli status ${id}` };
      }
      case 'approve': {
        const id = needId();
        return await deployments.approve(id, await credential(), values.comment ? { comment: values.comment } : {});
      }
      case 'reject':
      case 'cancel': {
        if (!values.reason) throw new TypeError(`${command} needs --reason`);
        const id = needId();
        return { workflowId: id, ...(await deployments[command](id, await credential(), values.reason)) };
      }
      case 'respond': {
        const id = needId();
        // The open question is read from the deployment itself: the operator answers what it asks now.
        const question = (await deployments.status(id)).progress?.input;
        if (question === undefined) throw new TypeError(`deployment ${id} is not waiting for an answer (see: pnpm deploy-cli status ${id})`);
        return { workflowId: id, ...(await deployments.respond(id, await credential(), question.id, decision as InputDecision)) };
      }
      case 'status':
        return await deployments.status(needId());
      case 'list':
        return await deployments.list({ limit: int(values.limit, 'limit') ?? 20 });
      default:
        throw new TypeError(`unknown command "${String(command)}" (use: ${COMMANDS.join(' | ')})`);
    }
  } finally {
    await client.connection.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // eslint-disable-next-line no-restricted-properties -- an entry point, like main.ts: hands the environment to the config parser
  runCli(process.argv.slice(2), process.env, (m) => process.stderr.write(m)).then(
    (out) => process.stdout.write(`${JSON.stringify(out, null, 2)}\n`),
    (err: unknown) => {
      process.stderr.write(`deploy-cli: ${err instanceof ConfigError || err instanceof TypeError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
