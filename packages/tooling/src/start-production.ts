/**
 * `pnpm start --profile production`: docker-compose.yml's production shape as processes on this
 * machine ({@link startProductionShape}) on compose's host ports, logs in `.run/logs/<component>.log`,
 * until Ctrl-C. The dev CA lands where compose puts it (`deploy/certs/out`, git-ignored).
 */
import { createWriteStream, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { startProductionShape } from './production.ts';

/** Redacts what the OpenBao dev server prints about its unseal key and root token. */
const redact = (chunk: string): string => chunk.replace(/^(Unseal Key|Root Token): .*$/gm, '$1: [REDACTED]');

/**
 * Starts the production shape, prints where everything is, and stops it on SIGINT/SIGTERM.
 * Never returns: the process exits (0 after Ctrl-C, 1 when a component did not start).
 */
export async function runProductionProfile(root: string, logDir: string): Promise<never> {
  const workDir = join(root, '.run', 'production');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const logs = new Map<string, WriteStream>();
  const output = (name: string, chunk: string): void => {
    let log = logs.get(name);
    if (log === undefined) logs.set(name, (log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' })));
    log.write(redact(chunk));
  };
  process.stdout.write('starting the production profile (Keycloak is a JVM: this takes a while; logs in .run/logs/)…\n');
  let shape: Awaited<ReturnType<typeof startProductionShape>>;
  try {
    shape = await startProductionShape({ root, workDir, ports: 'compose', output });
  } catch (err) {
    process.stderr.write(`production profile: ${err instanceof Error ? err.message : String(err)}; see .run/logs/\n`);
    process.exit(1);
  }
  const stop = async (): Promise<never> => {
    process.stdout.write('\nstopping…\n');
    await shape.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  const gateway = shape.services['mcp-gateway'];
  const proxy = shape.services['rest-proxy'];
  process.stdout.write(`
mcp-platform is running in the production profile (docker-compose.yml's environment, PLATFORM_PROFILE=production; logs: .run/logs/)

  Keycloak (issuer)    ${shape.issuer}   (HTTPS, dev CA ${shape.caFile})
  OpenBao              ${shape.bao.url}   (policies and AppRoles by deploy/vault/init.sh; id files under .run/production/fs/approle)
  OPA                  ${shape.opaUrl}   (bundle policies/mcp, deploy/opa/config.yaml)
${Object.entries(shape.services)
  .map(([name, s]) => `  ${name.padEnd(20)} ${s.url}${s.env['PUBLIC_URL'] === undefined ? '' : `   (audience ${s.env['PUBLIC_URL']})`}`)
  .join('\n')}

Services know themselves by compose's names (PUBLIC_URL, the token audience); call them on 127.0.0.1:
  export NODE_EXTRA_CA_CERTS=${shape.caFile}
  TOKEN=$(curl -s --cacert ${shape.caFile} ${shape.issuer}/protocol/openid-connect/token -d grant_type=password -d client_id=mcp-dev-cli -d username=nina -d password=nina-dev-password -d 'scope=openid rest-proxy' | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
  curl -s ${proxy?.url ?? ''}/api/v1/mcp/network/tools/list_devices -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"arguments":{"role":"CORE"}}'
  (the gateway: scope 'openid mcp-gateway', MCP at ${gateway?.url ?? ''}/mcp)

Ctrl-C stops everything.
`);
  return new Promise<never>(() => undefined);
}
