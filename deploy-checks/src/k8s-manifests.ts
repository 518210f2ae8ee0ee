/**
 * Builds the Kubernetes base (`deploy/k8s/base/`): per service a ServiceAccount
 * (its Vault Kubernetes-auth identity), ConfigMap, Deployment (liveness `/healthz`,
 * readiness `/readyz`, requests/limits, non-root, read-only root filesystem),
 * Service, HorizontalPodAutoscaler on CPU and PodDisruptionBudget; plus OPA.
 *
 * One table ({@link SERVICES}), built from `@mcp-platform/registry`, drives every service:
 * a new server is one registry entry.
 * `pnpm --filter @mcp-platform/deploy-checks k8s` rewrites the base; `k8s.test.ts`
 * fails when the committed files differ, validates every rendered object against
 * the Kubernetes JSON schemas and renders the overlays with kustomize.
 *
 * @example
 * ```ts
 * for (const [file, text] of Object.entries(buildBase())) writeFileSync(join(dir, file), text);
 * ```
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { ConfigMap, Container, Service, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { backendServers, clusterUrl, REST_PROXY, SERVERS, serverByKey, serverByName, vaultDataPath, WORKERS, type ServerEntry, type WorkerEntry } from '@mcp-platform/registry';
import { OPA_SERVER_ENV, OPA_SERVER_FLAGS } from '@mcp-platform/tooling/opa-server';
import { stringify } from 'yaml';

/**
 * Every object is built as a typed literal (`kubernetes-types`, Kubernetes 1.30 API):
 * TypeScript's excess-property check rejects unknown fields at typecheck, the
 * strict half of a kubeconform-style validation; `k8s.test.ts` adds the schema half.
 */
type K8sObject = Deployment | HorizontalPodAutoscaler | ConfigMap | Service | ServiceAccount | PodDisruptionBudget;

/** The base directory. */
export const K8S_DIR = fileURLToPath(new URL('../../deploy/k8s', import.meta.url));

/** One platform service in the cluster. */
export interface K8sService {
  name: string;
  /** HTTP port (`/healthz`, `/readyz`, the Service); `undefined` for a worker that serves no traffic. */
  port: number | undefined;
  /** A worker's probe port (`/healthz`, `/readyz`, `/metrics`), when it has no traffic port. */
  probePort?: number;
  /** Vault secret names it reads (for the doc comment; the policy is deploy/vault/policies/<name>.hcl). */
  secrets: string[];
  /** Non-secret environment (ConfigMap). */
  env: Record<string, string>;
  /** Serves MCP (gets the spine's Vault/OIDC settings and a PUBLIC_URL). */
  mcp: boolean;
  /** Variable holding its OAuth client secret (token exchange), taken from the Secret `<name>-oauth`, key `client-secret`. */
  oauthSecretEnv?: string;
}

const SPINE_ENV = {
  PLATFORM_PROFILE: 'production',
  HOST: '0.0.0.0',
  LOG_LEVEL: 'info',
  OIDC_ISSUER: 'https://login.example.com/realms/mcp',
  OIDC_GROUPS_CLAIM: 'groups',
  AUTHZ_MODE: 'opa',
  OPA_URL: 'http://opa:8181',
  VAULT_ADDR: 'https://vault.example.com',
  VAULT_AUTH_METHOD: 'kubernetes',
  ALLOW_DEV_SECRETS: 'false',
  REDIS_URL: 'redis://redis:6379',
};

/**
 * The backends of the REST proxy (`PROXY_BACKENDS`) and of the gateway (`GATEWAY_BACKENDS`) in a
 * cluster: every registry server but the gateway, by policy key at its in-cluster URL. Shared with
 * the compose generator.
 */
export function clusterBackends(): Record<string, string> {
  return Object.fromEntries(backendServers().map((s) => [s.key, clusterUrl(s)]));
}

/**
 * The scope the proxy and the gateway ask for in each token exchange (`TOKEN_EXCHANGE_SCOPES`): Keycloak
 * puts a server's URL in `aud` through the audience client scope named after the server (the realm).
 */
export function tokenExchangeScopes(): Record<string, string> {
  return Object.fromEntries(backendServers().map((s) => [s.key, `mcp:tools ${s.name}`]));
}

/**
 * A federating server (the gateway): no Vault identity, no upstream; its own OAuth client for the
 * token exchange, every backend of the registry, Redis for the per-principal limits across replicas.
 */
function gatewayService(s: ServerEntry): K8sService {
  return {
    name: s.name,
    port: s.port,
    secrets: [...s.secrets],
    mcp: false,
    oauthSecretEnv: 'GATEWAY_CLIENT_SECRET',
    env: {
      PLATFORM_PROFILE: 'production',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      PUBLIC_URL: clusterUrl(s),
      REDIS_URL: 'redis://redis:6379',
      OIDC_ISSUER: 'https://login.example.com/realms/mcp',
      OIDC_GROUPS_CLAIM: 'groups',
      AUTHZ_MODE: 'opa',
      OPA_URL: 'http://opa:8181',
      GATEWAY_CLIENT_ID: s.ownerClientId ?? s.name,
      GATEWAY_BACKENDS: JSON.stringify(clusterBackends()),
      TOKEN_EXCHANGE_SCOPES: JSON.stringify(tokenExchangeScopes()),
    },
  };
}

function requireDeployWorker(): WorkerEntry {
  const found = WORKERS.find((w) => w.name === 'deploy-worker');
  if (found === undefined) throw new TypeError('@mcp-platform/registry lists no deploy-worker');
  return found;
}
const deployWorker = requireDeployWorker();

/** Temporal's frontend in a cluster (the Temporal Helm chart's service in namespace `temporal`). */
export const CLUSTER_TEMPORAL_ADDRESS = 'temporal-frontend.temporal:7233';

/**
 * Environment of a server that starts deployment workflows (`temporal: true`): where Temporal is,
 * and the RFC 8693 exchange of the caller's token for a deploy-worker credential — the server's
 * owner client asks for the worker's audience client scope (the realm). The client secret comes
 * from a Secret (`<name>-oauth`), never from the ConfigMap.
 */
export function workflowClientEnv(s: ServerEntry, temporalAddress = CLUSTER_TEMPORAL_ADDRESS): Record<string, string> {
  if (s.ownerClientId === undefined) throw new TypeError(`${s.name}: temporal servers exchange tokens for the worker and need an ownerClientId in @mcp-platform/registry`);
  return {
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TOKEN_EXCHANGE_CLIENT_ID: s.ownerClientId,
    TOKEN_EXCHANGE_SCOPE: `mcp:tools ${deployWorker.name}`,
  };
}

/** The services of the platform: every server of `@mcp-platform/registry`, the REST proxy, the workers. */
export const SERVICES: K8sService[] = [
  ...SERVERS.map((s): K8sService =>
    s.federates === true
      ? gatewayService(s)
      : {
          name: s.name,
          port: s.port,
          secrets: [...s.secrets],
          mcp: true,
          ...(s.temporal ? { oauthSecretEnv: 'TOKEN_EXCHANGE_CLIENT_SECRET' } : {}),
          env: { ...(s.upstream === undefined ? {} : { [s.upstream.urlEnv]: s.upstream.productionUrl }), ...(s.temporal ? workflowClientEnv(s) : {}) },
        },
  ),
  {
    name: REST_PROXY.name,
    port: REST_PROXY.port,
    secrets: [...REST_PROXY.secrets],
    mcp: false,
    oauthSecretEnv: 'PROXY_CLIENT_SECRET',
    env: {
      PLATFORM_PROFILE: 'production',
      HOST: '0.0.0.0',
      // The proxy's resource identifier (token aud); without it the loopback default would be the audience.
      PUBLIC_URL: clusterUrl(REST_PROXY),
      LOG_LEVEL: 'info',
      OIDC_ISSUER: 'https://login.example.com/realms/mcp',
      OIDC_GROUPS_CLAIM: 'groups',
      OPA_URL: 'http://opa:8181',
      REDIS_URL: 'redis://redis:6379',
      PROXY_BACKENDS: JSON.stringify(clusterBackends()),
      TOKEN_EXCHANGE_SCOPES: JSON.stringify(tokenExchangeScopes()),
    },
  },
  {
    name: deployWorker.name,
    port: undefined,
    probePort: deployWorker.healthPort,
    secrets: [...deployWorker.secrets],
    mcp: false,
    env: {
      LOG_LEVEL: 'info',
      AUTHZ_MODE: 'opa',
      OPA_URL: 'http://opa:8181',
      VAULT_ADDR: 'https://vault.example.com',
      VAULT_AUTH_METHOD: 'kubernetes',
      ALLOW_DEV_SECRETS: 'false',
      TEMPORAL_ADDRESS: CLUSTER_TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: 'default',
      // mcp-itsm's per-change write lock, shared: a deployment's change writes and mcp-itsm's tool writes take turns.
      REDIS_URL: 'redis://redis:6379',
      // Verifies the credentials of workflow actions (audience in @mcp-platform/registry's WORKERS).
      OIDC_ISSUER: SPINE_ENV.OIDC_ISSUER,
      OIDC_GROUPS_CLAIM: SPINE_ENV.OIDC_GROUPS_CLAIM,
      CATALYST_BASE_URL: serverByKey('network').upstream?.productionUrl ?? '',
      SERVICENOW_INSTANCE_URL: serverByKey('itsm').upstream?.productionUrl ?? '',
      // The image's prebuilt workflow bundle; the Temporal SDK's metrics for Prometheus on :9464.
      WORKFLOW_BUNDLE_PATH: '/app/services/deploy-worker/dist/workflow-bundle.js',
      TEMPORAL_METRICS_BIND_ADDRESS: '0.0.0.0:9464',
    },
  },
];

const LABELS = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'mcp-platform' });

function envFor(s: K8sService): Record<string, string> {
  const env: Record<string, string> = s.mcp ? { ...SPINE_ENV, ...s.env } : { ...s.env };
  if (s.port !== undefined) env['PORT'] = String(s.port);
  if (s.mcp) {
    env['PUBLIC_URL'] = clusterUrl(serverByName(s.name));
    // A server that reads no secret has no Vault role (deploy/vault/policies has none for it).
    if (s.secrets.length > 0) env['VAULT_K8S_ROLE'] = s.name;
  }
  if (s.name === 'deploy-worker') env['VAULT_K8S_ROLE'] = s.name;
  if (s.probePort !== undefined) {
    env['HEALTH_HOST'] = '0.0.0.0';
    env['HEALTH_PORT'] = String(s.probePort);
  }
  return env;
}

function serviceObjects(s: K8sService): K8sObject[] {
  const labels = LABELS(s.name);
  const secretEnv =
    s.oauthSecretEnv === undefined ? [] : [{ name: s.oauthSecretEnv, valueFrom: { secretKeyRef: { name: `${s.name}-oauth`, key: 'client-secret' } } }];
  // Probes on the traffic port, or on a worker's probe port (a worker gets no Service).
  const probePort = s.port ?? s.probePort;
  const http: Partial<Pick<Container, 'ports' | 'livenessProbe' | 'readinessProbe' | 'startupProbe'>> =
    probePort === undefined
      ? {}
      : {
          ports: [{ name: 'http', containerPort: probePort, protocol: 'TCP' }],
          livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
          readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
          startupProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 30 },
        };
  const container: Container = {
    name: s.name,
    image: `mcp-platform/${s.name}:latest`,
    imagePullPolicy: 'IfNotPresent',
    ...http,
    envFrom: [{ configMapRef: { name: `${s.name}-config` } }],
    env: [
      { name: 'SERVICE_ENVIRONMENT', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      ...secretEnv,
    ],
    resources: { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    securityContext: { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    volumeMounts: [
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'vault-token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ],
  };
  const serviceAccount: ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: s.name, labels, annotations: { 'mcp-platform/vault-role': s.name, 'mcp-platform/vault-secrets': s.secrets.map(vaultDataPath).join(',') } } };
  const configMap: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${s.name}-config`, labels }, data: envFor(s) };
  const deployment: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: s.name, labels },
      spec: {
        replicas: 2,
        revisionHistoryLimit: 5,
        selector: { matchLabels: labels },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels, annotations: { 'co.elastic.logs/json.keys_under_root': 'true' } },
          spec: {
            serviceAccountName: s.name,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 30,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: labels } }],
            containers: [container],
            volumes: [
              { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
              {
                // The ServiceAccount token Vault's Kubernetes auth verifies (VAULT_K8S_JWT_PATH default path), audience `vault`.
                name: 'vault-token',
                projected: { sources: [{ serviceAccountToken: { path: 'token', audience: 'vault', expirationSeconds: 3600 } }] },
              },
            ],
          },
        },
      },
    };
  const service: Service[] =
    s.port === undefined
      ? []
      : [{ apiVersion: 'v1', kind: 'Service', metadata: { name: s.name, labels }, spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'http', port: s.port, targetPort: 'http', protocol: 'TCP' }] } }];
  const hpa: HorizontalPodAutoscaler = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: s.name, labels },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: s.name },
        minReplicas: 2,
        maxReplicas: 10,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    };
  const pdb: PodDisruptionBudget = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: s.name, labels }, spec: { minAvailable: 1, selector: { matchLabels: labels } } };
  return [serviceAccount, configMap, deployment, ...service, hpa, pdb];
}

function opaObjects(): K8sObject[] {
  const labels = LABELS('opa');
  const deployment: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'opa', labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'opa',
                image: 'openpolicyagent/opa:1.22.2',
                // As every deployment runs OPA (packages/tooling/src/opa-server.ts); the bundle (CI publishes policies/dist/opa-bundle.tar.gz) comes from opa-config.yaml.
                args: ['run', '--server', '--addr', '0.0.0.0:8181', '--log-format', 'json', ...OPA_SERVER_FLAGS, '--config-file', '/config/config.yaml', '--ready-timeout', '60'],
                env: Object.entries(OPA_SERVER_ENV).map(([name, value]) => ({ name, value })),
                ports: [{ name: 'http', containerPort: 8181, protocol: 'TCP' }],
                livenessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 10 },
                readinessProbe: { httpGet: { path: '/health?bundles', port: 'http' }, periodSeconds: 5 },
                // GOGC lets the heap grow to ~100 MB between collections (GOMEMLIMIT 384MiB caps it): request what it uses.
                resources: { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [
                  { name: 'config', mountPath: '/config', readOnly: true },
                  { name: 'persist', mountPath: '/var/opa' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'opa-config' } },
              { name: 'persist', emptyDir: {} },
            ],
          },
        },
      },
    };
  const service: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'opa', labels }, spec: { selector: labels, ports: [{ name: 'http', port: 8181, targetPort: 'http', protocol: 'TCP' }] } };
  const hpa: HorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'opa', labels },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'opa' }, minReplicas: 2, maxReplicas: 6, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] },
  };
  const pdb: PodDisruptionBudget = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'opa', labels }, spec: { minAvailable: 1, selector: { matchLabels: labels } } };
  return [deployment, service, hpa, pdb];
}

const HEADER = '# GENERATED by deploy-checks/src/k8s-manifests.ts — edit the generator, then `pnpm --filter @mcp-platform/deploy-checks k8s`.\n';

/**
 * The base's files: one multi-document YAML per service, `opa.yaml`, and `kustomization.yaml`.
 *
 * @example
 * ```ts
 * Object.keys(buildBase()); // ['mcp-network.yaml', …, 'opa.yaml', 'kustomization.yaml']
 * ```
 */
export function buildBase(): Record<string, string> {
  const files: Record<string, string> = {};
  const docs = (objs: K8sObject[]) => HEADER + objs.map((o) => `---\n${stringify(o, { lineWidth: 0 })}`).join('');
  for (const s of SERVICES) files[`${s.name}.yaml`] = docs(serviceObjects(s));
  files['opa.yaml'] = docs(opaObjects());
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    labels: [{ pairs: { 'app.kubernetes.io/managed-by': 'kustomize' } }],
    resources: [...SERVICES.map((s) => `${s.name}.yaml`), 'opa.yaml'],
    configMapGenerator: [{ name: 'opa-config', files: ['config.yaml=opa-config.yaml'], options: { disableNameSuffixHash: false } }],
  };
  files['kustomization.yaml'] = HEADER + stringify(kustomization, { lineWidth: 0 });
  return files;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = join(K8S_DIR, 'base');
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(buildBase())) writeFileSync(join(dir, file), text);
  process.stdout.write(`wrote ${dir}\n`);
}
