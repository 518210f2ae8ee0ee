/**
 * Prints an access token for a seeded user from the running development IdP.
 *
 *   pnpm token <user> [--audience <url>] [--scope "mcp:tools mcp:admin"] [--ttl <seconds>] [--mfa]
 *
 * `--mfa` also sends the user's current one-time code (from the seed's DEV ONLY OTP secret), so
 * the token says `acr: mfa` — what the policy's step-up rules ask for on high-risk tools.
 *
 * Issuer: `OIDC_ISSUER` (default http://127.0.0.1:9400). Default audience: mcp-network's
 * loopback URL from @mcp-platform/registry (http://127.0.0.1:8101/mcp). Uses the dev-only password grant of `mcp-dev-cli`;
 * a real identity provider (Keycloak, Entra…) does not speak it.
 *
 * @example
 * ```sh
 * TOKEN=$(pnpm -s token nina)
 * curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8101/mcp …
 * ```
 */
import { parseArgs } from 'node:util';
import { localUrl, serverByKey } from '@mcp-platform/registry';
// A dependency-free module: the one source of truth for seeded users and the dev grant.
import { DEV_PASSWORD_GRANT, SEED_USERS, devOtp } from '@mcp-platform/sandboxes/idp';

const DEFAULT_ISSUER = 'http://127.0.0.1:9400';
const DEFAULT_AUDIENCE = localUrl(serverByKey('network'));
const DEV_CLI_CLIENT_ID = 'mcp-dev-cli';
const USAGE = `usage: pnpm token <user> [--audience <url>] [--scope "<scopes>"] [--ttl <seconds>] [--mfa]
users: ${SEED_USERS.map((u) => `${u.username} (${u.groups.join(', ') || 'no group'})`).join('; ')}`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      audience: { type: 'string', short: 'a', default: DEFAULT_AUDIENCE },
      scope: { type: 'string', short: 's', default: 'mcp:tools' },
      ttl: { type: 'string' },
      mfa: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const username = positionals[0];
if (username === undefined || positionals.length > 1) fail(USAGE);
const user = SEED_USERS.find((u) => u.username === username);
if (user === undefined) fail(`unknown user "${username}"\n${USAGE}`);
if (!URL.canParse(values.audience)) fail(`--audience must be a URL, got "${values.audience}"`);

const issuer = (process.env['OIDC_ISSUER'] ?? DEFAULT_ISSUER).replace(/\/$/, '');
if (!URL.canParse(issuer)) fail(`OIDC_ISSUER must be a URL, got "${issuer}"`);

async function main(): Promise<void> {
  let tokenEndpoint: string;
  try {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) fail(`the identity provider at ${issuer} answered discovery with HTTP ${res.status}`);
    tokenEndpoint = ((await res.json()) as { token_endpoint: string }).token_endpoint;
  } catch (err) {
    fail(
      `no identity provider reachable at ${issuer} (${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}).\n` +
        'Start it with `pnpm start` (everything) or `pnpm exec tsx packages/sandboxes/src/bin/idp.ts` (IdP only), or set OIDC_ISSUER.',
    );
  }
  const body = new URLSearchParams({
    grant_type: DEV_PASSWORD_GRANT,
    client_id: DEV_CLI_CLIENT_ID,
    username: user!.username,
    password: user!.devPassword,
    resource: values.audience,
    scope: values.scope,
  });
  if (values.ttl !== undefined) body.set('ttl_seconds', values.ttl);
  if (values.mfa) body.set('otp', devOtp(user!.devOtpSecret));
  const res = await fetch(tokenEndpoint, { method: 'POST', body, signal: AbortSignal.timeout(5000) });
  const json = (await res.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
  if (!res.ok || typeof json.access_token !== 'string') {
    const hint = json.error === 'unsupported_grant_type' ? ' (this issuer is not the dev IdP: the dev-password grant exists only there)' : '';
    fail(`token request refused: HTTP ${res.status} ${json.error ?? ''} ${json.error_description ?? ''}${hint}`.trim());
  }
  process.stdout.write(`${json.access_token}\n`);
}

await main();
