// A browser login on the realm, as an MCP client runs it after an RFC 9470 step-up challenge:
// authorization code + PKCE through the public `mcp-inspector` client with the challenge's
// `acr_values` (and `max_age`), the password form, then the OTP form (DEV ONLY seeded secrets).
import { createHash, randomBytes } from 'node:crypto';
import { SEED_USERS, devOtp } from '@mcp-platform/sandboxes/idp';

/** mcp-inspector's seeded redirect URI (nothing listens: the code is read from the Location header). */
const REDIRECT = 'http://127.0.0.1:33418/callback';

/** The action URL of the first form on a Keycloak login page. */
function formAction(html: string): string {
  const action = /<form\b[^>]*\baction="([^"]+)"/.exec(html)?.[1];
  if (action === undefined) throw new Error(`no form on the page: ${html.slice(0, 200)}`);
  return action.replace(/&amp;/g, '&');
}

/** Options of {@link browserLogin}. */
export interface BrowserLoginOptions {
  /** The realm's issuer (HTTP or HTTPS). */
  issuer: string;
  username: string;
  /** e.g. `openid mcp-network`. */
  scope: string;
  /** From the challenge. */
  acr_values: string;
  max_age?: string;
  /** The one-time code to type; default the right one now. */
  otp?: string;
}

/**
 * Logs in through the browser flow and returns the access token.
 *
 * @throws Error when a form is not where it should be, or the OTP step does not redirect with a code.
 */
/** Codes this process already sent per user: the realm refuses a code used once (`otpPolicyCodeReusable: false`). */
const usedCodes = new Map<string, Set<string>>();

/**
 * A code of `secret` this process has not sent for `username`: the current step's, else the next step's
 * (inside Keycloak's look-around window of 1), else — both used — the next step's after waiting for it.
 */
export async function freshOtp(username: string, secret: string): Promise<string> {
  const used = usedCodes.get(username) ?? new Set<string>();
  usedCodes.set(username, used);
  for (;;) {
    const now = Date.now();
    const code = [devOtp(secret, now), devOtp(secret, now + 30_000)].find((c) => !used.has(c));
    if (code !== undefined) {
      used.add(code);
      return code;
    }
    await new Promise((r) => setTimeout(r, 30_000 - (now % 30_000) + 50));
  }
}

export async function browserLogin(options: BrowserLoginOptions): Promise<string> {
  const user = SEED_USERS.find((u) => u.username === options.username);
  if (user === undefined) throw new TypeError(`no seeded user ${options.username}`);
  const jar = new Map<string, string>();
  const go = async (url: string, form?: Record<string, string>): Promise<Response> => {
    const res = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: new URLSearchParams(form) } : {}),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return res;
  };
  const verifier = randomBytes(32).toString('base64url');
  const auth = new URL(`${options.issuer}/protocol/openid-connect/auth`);
  auth.search = new URLSearchParams({
    client_id: 'mcp-inspector',
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: options.scope,
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    acr_values: options.acr_values,
    ...(options.max_age === undefined ? {} : { max_age: options.max_age }),
  }).toString();
  const loginPage = await go(auth.href);
  if (loginPage.status !== 200) throw new Error(`login page: HTTP ${String(loginPage.status)}`);
  const otpPage = await go(formAction(await loginPage.text()), { username: options.username, password: user.devPassword, credentialId: '' });
  if (otpPage.status !== 200) throw new Error(`password step: HTTP ${String(otpPage.status)}`);
  const otpHtml = await otpPage.text();
  if (!/name="otp"/.test(otpHtml)) throw new Error('password accepted but no OTP form');
  let done = await go(formAction(otpHtml), { otp: options.otp ?? (await freshOtp(options.username, user.devOtpSecret)) });
  // A generated code another test file (another process, same Keycloak) already used within its 30-s
  // step is refused and the OTP form comes back: answer it with the next fresh code. A given code is
  // sent once (the tests of refusal give theirs).
  for (let attempt = 0; options.otp === undefined && done.status === 200 && attempt < 2; attempt += 1) {
    const again = await done.text();
    if (!/name="otp"/.test(again)) break;
    done = await go(formAction(again), { otp: await freshOtp(options.username, user.devOtpSecret) });
  }
  const location = done.headers.get('location') ?? '';
  const code = new URL(location, options.issuer).searchParams.get('code');
  if (done.status !== 302 || !location.startsWith(REDIRECT) || code === null) throw new Error(`OTP step did not redirect with a code (HTTP ${String(done.status)})`);
  const token = await fetch(`${options.issuer}/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'mcp-inspector', code, redirect_uri: REDIRECT, code_verifier: verifier }),
  });
  const body = (await token.json()) as { access_token?: string; error?: string };
  if (body.access_token === undefined) throw new Error(`code exchange failed: ${String(body.error)}`);
  return body.access_token;
}

/** RFC 7235 auth-params of a Bearer challenge. */
export function challengeParams(challenge: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (challenge ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1] ?? ''] = m[2] ?? '';
  return out;
}
