/**
 * Seeded content of the GitHub simulator: three organizations, repositories with files on
 * branches, issues, comments and pull requests. Numbers and names are fixed so that tests
 * and demos can name them.
 *
 * | org | repos | role in the platform's policy data |
 * |---|---|---|
 * | `acme-net` | `network-templates` (Velocity/Jinja templates, default `main`), `netops-scripts` | writes allowed |
 * | `acme-apps` | `payments-api`, `web-portal` (default `develop`), `svc-01`…`svc-12` | writes allowed |
 * | `acme-legacy` | `mainframe-bridge` (default `master`) | not an allowed write org |
 */

/** An organization or user account. */
export interface SimAccount {
  login: string;
  id: number;
  type: 'Organization' | 'User';
}

/** A file at one commit: path → UTF-8 text (binary content is out of scope). */
export type SimTree = Record<string, string>;

/** A repository and its git content (branches point at commits, commits carry full trees). */
export interface SimRepo {
  id: number;
  owner: string;
  name: string;
  description: string | null;
  private: boolean;
  language: string | null;
  topics: string[];
  defaultBranch: string;
  archived: boolean;
  createdAt: string;
  /** Branch name → tree at its head (the simulator derives commit shas). */
  branches: Record<string, SimTree>;
}

/** An issue (pull requests live in {@link SimPull}; both share the repository's number space). */
export interface SimIssue {
  repo: string; // owner/name
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  labels: string[];
  user: string;
  assignees: string[];
  createdAt: string;
  closedAt: string | null;
}

/** A comment on an issue or pull request. */
export interface SimComment {
  id: number;
  repo: string;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
}

/** A pull request. */
export interface SimPull {
  repo: string;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  head: string;
  base: string;
  user: string;
  merged: boolean;
  createdAt: string;
}

/** Everything the simulator serves. */
export interface GitHubSeed {
  accounts: SimAccount[];
  /** The account the configured token belongs to. */
  viewer: string;
  repos: SimRepo[];
  issues: SimIssue[];
  comments: SimComment[];
  pulls: SimPull[];
}

const T0 = '2026-09-01T09:00:00Z';

const INTERFACE_VTL = `## Access-port interface description (Catalyst Center template, Velocity)
interface $interface
 description $description
 switchport mode access
#if($vlan)
 switchport access vlan $vlan
#end
 spanning-tree portfast
`;

const OSPF_J2 = `{# OSPF area for core routers (Jinja2) #}
router ospf {{ process_id | default(1) }}
 router-id {{ router_id }}
{% for net in networks %}
 network {{ net.prefix }} {{ net.wildcard }} area {{ area }}
{% endfor %}
`;

const NTP_J2 = `{# Branch NTP servers (Jinja2) #}
{% for server in ntp_servers %}
ntp server {{ server }}
{% endfor %}
clock timezone {{ timezone | default('UTC') }} 0
`;

const TEMPLATES_README = `# network-templates

Configuration templates deployed through Cisco Catalyst Center.

- \`templates/access/\` — access-switch templates (Velocity)
- \`templates/core/\` — core templates (Jinja2)
- \`templates/branch/\` — branch-router templates (Jinja2)

Changes go through pull requests into \`main\`; never commit to \`main\` directly.
`;

const networkTemplatesMain: SimTree = {
  'README.md': TEMPLATES_README,
  'templates/access/interface-description.vtl': INTERFACE_VTL,
  'templates/core/ospf-area.j2': OSPF_J2,
  'templates/branch/ntp.j2': NTP_J2,
  'inventory/sites.yaml': 'sites:\n  - name: SJC-01\n    region: us-west\n  - name: LON-02\n    region: eu-west\n  - name: NYC-05\n    region: us-east\n',
};

const paymentsMain: SimTree = {
  'README.md': '# payments-api\n\nPayment service. `pnpm start` runs it on :3000.\n',
  'package.json': '{\n  "name": "payments-api",\n  "version": "1.4.2",\n  "type": "module"\n}\n',
  'src/server.ts': "import { createServer } from 'node:http';\n\nexport const PORT = Number(process.env.PORT ?? 3000);\ncreateServer((_req, res) => res.end('ok')).listen(PORT);\n",
};

function svc(i: number): SimRepo {
  const name = `svc-${String(i).padStart(2, '0')}`;
  return {
    id: 700_100 + i,
    owner: 'acme-apps',
    name,
    description: `Internal service ${name}`,
    private: true,
    language: 'TypeScript',
    topics: ['service'],
    defaultBranch: 'main',
    archived: false,
    createdAt: `2025-0${(i % 9) + 1}-10T12:00:00Z`,
    branches: { main: { 'README.md': `# ${name}\n` } },
  };
}

/**
 * A fresh copy of the default seed (tests may mutate the simulator's state freely).
 *
 * @example
 * ```ts
 * const seed = defaultGitHubSeed();
 * seed.repos.find((r) => r.name === 'network-templates')!.defaultBranch; // 'main'
 * ```
 */
export function defaultGitHubSeed(): GitHubSeed {
  return {
    viewer: 'mcp-platform-bot',
    accounts: [
      { login: 'acme-net', id: 9_100_001, type: 'Organization' },
      { login: 'acme-apps', id: 9_100_002, type: 'Organization' },
      { login: 'acme-legacy', id: 9_100_003, type: 'Organization' },
      { login: 'mcp-platform-bot', id: 9_200_001, type: 'User' },
      { login: 'dave-dev', id: 9_200_002, type: 'User' },
      { login: 'nina-neteng', id: 9_200_003, type: 'User' },
    ],
    repos: [
      {
        id: 700_001,
        owner: 'acme-net',
        name: 'network-templates',
        description: 'Catalyst Center configuration templates (Velocity and Jinja2)',
        private: true,
        language: 'Velocity',
        topics: ['network', 'catalyst-center', 'templates'],
        defaultBranch: 'main',
        archived: false,
        createdAt: '2024-03-11T08:30:00Z',
        branches: {
          main: networkTemplatesMain,
          'feature/ospf-md5': {
            ...networkTemplatesMain,
            'templates/core/ospf-area.j2': `${OSPF_J2} area {{ area }} authentication message-digest\n`,
          },
        },
      },
      {
        id: 700_002,
        owner: 'acme-net',
        name: 'netops-scripts',
        description: 'Operational scripts for the network team',
        private: true,
        language: 'Python',
        topics: ['network', 'automation'],
        defaultBranch: 'main',
        archived: false,
        createdAt: '2024-06-02T10:00:00Z',
        branches: { main: { 'README.md': '# netops-scripts\n', 'backup_configs.py': 'def main():\n    print("backing up")\n' } },
      },
      {
        id: 700_010,
        owner: 'acme-apps',
        name: 'payments-api',
        description: 'Payment service',
        private: true,
        language: 'TypeScript',
        topics: ['payments', 'api'],
        defaultBranch: 'main',
        archived: false,
        createdAt: '2023-11-20T14:00:00Z',
        branches: { main: paymentsMain, 'fix/timeout': { ...paymentsMain, 'src/server.ts': `${paymentsMain['src/server.ts']}// request timeout: 30s\n` } },
      },
      {
        id: 700_011,
        owner: 'acme-apps',
        name: 'web-portal',
        description: 'Customer web portal',
        private: false,
        language: 'TypeScript',
        topics: ['web'],
        defaultBranch: 'develop',
        archived: false,
        createdAt: '2024-01-05T09:00:00Z',
        branches: { develop: { 'README.md': '# web-portal\n\nDefault branch is `develop`.\n' }, release: { 'README.md': '# web-portal\n' } },
      },
      ...Array.from({ length: 12 }, (_, i) => svc(i + 1)),
      {
        id: 700_020,
        owner: 'acme-legacy',
        name: 'mainframe-bridge',
        description: 'Frozen bridge to the mainframe batch system',
        private: true,
        language: 'Java',
        topics: ['legacy'],
        defaultBranch: 'master',
        archived: false,
        createdAt: '2019-05-01T09:00:00Z',
        branches: { master: { 'README.md': '# mainframe-bridge\n\nFrozen. Writes need an exception.\n' } },
      },
    ],
    issues: [
      { repo: 'acme-net/network-templates', number: 1, title: 'NTP template is missing IPv6 servers', body: 'templates/branch/ntp.j2 only renders IPv4 servers.', state: 'open', labels: ['bug'], user: 'nina-neteng', assignees: [], createdAt: T0, closedAt: null },
      { repo: 'acme-net/network-templates', number: 2, title: 'Add a QoS template for branch routers', body: 'Branch routers need a standard QoS policy template.', state: 'open', labels: ['enhancement'], user: 'nina-neteng', assignees: ['dave-dev'], createdAt: T0, closedAt: null },
      { repo: 'acme-net/network-templates', number: 3, title: 'Typo in interface description template', body: null, state: 'closed', labels: ['bug'], user: 'dave-dev', assignees: [], createdAt: T0, closedAt: '2026-09-03T10:00:00Z' },
      { repo: 'acme-apps/payments-api', number: 1, title: 'Requests time out after 10 s under load', body: 'p99 latency exceeds the gateway timeout.', state: 'open', labels: ['bug', 'performance'], user: 'dave-dev', assignees: ['dave-dev'], createdAt: T0, closedAt: null },
      { repo: 'acme-apps/payments-api', number: 2, title: 'Upgrade to Node 22', body: 'Node 20 leaves active LTS.', state: 'open', labels: ['chore'], user: 'dave-dev', assignees: [], createdAt: T0, closedAt: null },
    ],
    comments: [
      { id: 5_000_001, repo: 'acme-net/network-templates', issueNumber: 1, body: 'Confirmed on SJC-01 branch routers.', user: 'dave-dev', createdAt: '2026-09-02T08:00:00Z' },
      { id: 5_000_002, repo: 'acme-net/network-templates', issueNumber: 1, body: 'The ntp_servers variable should accept both families.', user: 'nina-neteng', createdAt: '2026-09-02T09:00:00Z' },
      { id: 5_000_003, repo: 'acme-apps/payments-api', issueNumber: 1, body: 'Raising the timeout is a stopgap; see fix/timeout.', user: 'dave-dev', createdAt: '2026-09-02T10:00:00Z' },
    ],
    pulls: [
      { repo: 'acme-net/network-templates', number: 4, title: 'Use MD5 authentication in the OSPF area template', body: 'Adds area authentication.', state: 'open', draft: false, head: 'feature/ospf-md5', base: 'main', user: 'nina-neteng', merged: false, createdAt: '2026-09-04T09:00:00Z' },
      { repo: 'acme-apps/payments-api', number: 3, title: 'Raise the request timeout to 30 s', body: 'Stopgap for #1.', state: 'open', draft: true, head: 'fix/timeout', base: 'main', user: 'dave-dev', merged: false, createdAt: '2026-09-05T09:00:00Z' },
    ],
  };
}
