import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startIdentityProvider, type RunningIdentityProvider } from '@mcp-platform/sandboxes/idp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from './repo.ts';

/**
 * The compose answer to the issuer problem, run for real on loopback: the dev CA
 * script (`deploy/certs/dev-ca.sh`, as the `dev-ca` job runs it) makes the CA and
 * the Keycloak certificate; an HTTPS issuer serves discovery + JWKS with that
 * certificate (standing in for Keycloak, keys from the dev IdP); the platform's
 * verifier in a separate Node process accepts tokens only when it trusts the CA
 * through NODE_EXTRA_CA_CERTS, as the services do in compose.
 */
const AUDIENCE = 'http://mcp-network:8101/mcp';
let certs: string;
let idp: RunningIdentityProvider;
let https: Server;
let issuer: string;

beforeAll(async () => {
  certs = mkdtempSync(join(tmpdir(), 'dev-ca-'));
  const gen = spawnSync('sh', [repoPath('deploy', 'certs', 'dev-ca.sh')], { env: { ...process.env, OUT_DIR: certs, TLS_NAMES: 'keycloak,localhost' }, encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`dev-ca.sh failed (needs openssl): ${gen.stderr}`);
  https = createServer({ cert: readFileSync(join(certs, 'keycloak.pem')), key: readFileSync(join(certs, 'keycloak-key.pem')) });
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  const port = (https.address() as { port: number }).port;
  issuer = `https://localhost:${String(port)}`;
  idp = await startIdentityProvider({ port: 0, issuer, resourceServers: [{ url: AUDIENCE, name: 'mcp-network' }] });
  const upstream = `http://127.0.0.1:${new URL(idp.url).port}`;
  const jwksUri = ((await (await fetch(`${upstream}/.well-known/openid-configuration`)).json()) as { jwks_uri: string }).jwks_uri;
  https.on('request', (req, res) => {
    void (async () => {
      if (req.url === '/.well-known/openid-configuration') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/protocol/openid-connect/certs`, token_endpoint: `${issuer}/token`, response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] }));
      } else if (req.url === '/protocol/openid-connect/certs') {
        const jwks = await fetch(`${upstream}${new URL(jwksUri).pathname}`);
        res.setHeader('content-type', 'application/json');
        res.end(await jwks.text());
      } else {
        res.statusCode = 404;
        res.end();
      }
    })();
  });
});
afterAll(async () => {
  await new Promise<void>((resolve) => https?.close(() => resolve()));
  await idp?.stop();
});

/** Runs the verifier in a child process (asynchronously: this process serves the issuer). */
function verifyInChild(token: string, trustCa: boolean): Promise<string> {
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', ISSUER: issuer, AUDIENCE, TOKEN: token };
  if (trustCa) env['NODE_EXTRA_CA_CERTS'] = join(certs, 'ca.pem');
  const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
  return new Promise((resolve) => {
    execFile(tsx, [fileURLToPath(new URL('./fixtures/verify-token.ts', import.meta.url))], { env, encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      resolve(`${stdout.trim()}${err === null ? '' : ` (${err.message}: ${stderr.trim()})`}`);
    });
  });
}

describe('HTTPS issuer with the dev CA (compose: https://keycloak:8443/realms/mcp)', () => {
  it('the dev CA signs a server certificate for keycloak and localhost', () => {
    const check = spawnSync('openssl', ['verify', '-CAfile', join(certs, 'ca.pem'), join(certs, 'keycloak.pem')], { encoding: 'utf8' });
    expect(check.stdout).toContain(': OK');
    const san = spawnSync('openssl', ['x509', '-in', join(certs, 'keycloak.pem'), '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' });
    expect(san.stdout).toMatch(/DNS:keycloak, DNS:localhost/);
  });

  it('a service process that trusts the CA (NODE_EXTRA_CA_CERTS) verifies tokens from the https issuer', async () => {
    const token = await idp.issueToken({ user: 'nina', audience: AUDIENCE });
    expect(await verifyInChild(token, true)).toBe('ok nina');
  });

  it('without the CA the issuer is unreachable and the token is refused (no silent plain-http fallback)', async () => {
    const token = await idp.issueToken({ user: 'nina', audience: AUDIENCE });
    expect(await verifyInChild(token, false)).toBe('fail ERR_IDP_UNAVAILABLE');
  });
});
