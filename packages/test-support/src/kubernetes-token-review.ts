// TEST DOUBLE — not Kubernetes. The one Kubernetes API call that Vault/OpenBao's `kubernetes`
// auth method makes (TokenReview), so that auth method can run for real on a machine without a cluster.
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A public CA certificate for `auth/kubernetes/config`'s `kubernetes_ca_cert`, which OpenBao
 * requires when `disable_local_ca_jwt` is set. The stand-in speaks plain HTTP on loopback,
 * so the certificate is never used for TLS (its key was discarded).
 */
export const KUBERNETES_TEST_CA_PEM = readFileSync(new URL('../fixtures/kubernetes-ca.pem', import.meta.url), 'utf8');

/** A running Kubernetes TokenReview stand-in. */
export interface KubernetesTokenReview {
  /** `kubernetes_host` for the auth method, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The bearer token the auth method must present (`token_reviewer_jwt`). */
  reviewerToken: string;
  /** A signed service-account JWT the stand-in will report as authenticated. */
  issue(sa: { namespace: string; serviceAccount: string }): string;
  /** Make a previously issued token unauthenticated (as a deleted service account's). */
  revoke(jwt: string): void;
  /** How many TokenReviews were answered. */
  reviews(): number;
  stop(): Promise<void>;
}

/**
 * **Test double of the Kubernetes API server** (only `POST /apis/authentication.k8s.io/v1/tokenreviews`,
 * as documented for `authentication.k8s.io/v1`): answers `authenticated: true` with the service
 * account's username and uid for tokens it issued and has not revoked, `authenticated: false`
 * otherwise; a request without the reviewer's bearer token gets `401`. Tokens are RS256-signed
 * JWTs with the legacy service-account claims.
 *
 * @example
 * ```ts
 * const k8s = await startKubernetesTokenReview();
 * await bao.api('POST', 'auth/kubernetes/config', { kubernetes_host: k8s.url, kubernetes_ca_cert: KUBERNETES_TEST_CA_PEM, token_reviewer_jwt: k8s.reviewerToken, disable_local_ca_jwt: true });
 * const jwt = k8s.issue({ namespace: 'mcp', serviceAccount: 'mcp-network' });
 * ```
 */
export async function startKubernetesTokenReview(): Promise<KubernetesTokenReview> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const reviewerToken = `reviewer-${randomUUID()}`;
  const live = new Map<string, { username: string; uid: string }>();
  let count = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method !== 'POST' || req.url !== '/apis/authentication.k8s.io/v1/tokenreviews') {
        res.statusCode = 404;
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
        return;
      }
      if (req.headers.authorization !== `Bearer ${reviewerToken}`) {
        res.statusCode = 401;
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 }));
        return;
      }
      count++;
      let token = '';
      try {
        token = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { spec?: { token?: unknown } }).spec?.token ?? '');
      } catch {
        // an unparsable review is answered as unauthenticated
      }
      const user = live.get(token);
      res.end(
        JSON.stringify({
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          status: user ? { authenticated: true, user: { ...user, groups: ['system:serviceaccounts'] } } : { authenticated: false, error: 'token not valid' },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const enc = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return {
    url,
    reviewerToken,
    issue: ({ namespace, serviceAccount }) => {
      const uid = randomUUID();
      const header = enc({ alg: 'RS256', typ: 'JWT', kid: 'test' });
      const payload = enc({
        iss: 'kubernetes/serviceaccount',
        sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
        'kubernetes.io/serviceaccount/namespace': namespace,
        'kubernetes.io/serviceaccount/service-account.name': serviceAccount,
        'kubernetes.io/serviceaccount/service-account.uid': uid,
      });
      const jwt = `${header}.${payload}.${sign('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url')}`;
      live.set(jwt, { username: `system:serviceaccount:${namespace}:${serviceAccount}`, uid });
      return jwt;
    },
    revoke: (jwt) => {
      live.delete(jwt);
    },
    reviews: () => count,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
