/**
 * Seeded inventory of the Catalyst Center simulator: a site hierarchy, 22 network devices and
 * four configuration templates. Ids are fixed so that tests and demos can name them.
 *
 * Field names and values follow the Catalyst Center Intent API (`hostname`,
 * `managementIpAddress`, `platformId`, `role`, `reachabilityStatus`, …).
 */

/** One site as `GET /dna/intent/api/v1/site` returns it. */
export interface SimSite {
  id: string;
  parentId: string;
  name: string;
  siteHierarchy: string;
  siteNameHierarchy: string;
  instanceTenantId: string;
  additionalInfo: Array<{ nameSpace: string; attributes: Record<string, string> }>;
}

/** One device as `GET /dna/intent/api/v1/network-device` returns it. */
export interface SimDevice {
  id: string;
  instanceUuid: string;
  hostname: string;
  managementIpAddress: string;
  platformId: string;
  family: string;
  series: string;
  type: string;
  role: 'ACCESS' | 'DISTRIBUTION' | 'CORE' | 'BORDER ROUTER' | 'UNKNOWN';
  roleSource: 'AUTO' | 'MANUAL';
  softwareType: string;
  softwareVersion: string;
  serialNumber: string;
  macAddress: string;
  reachabilityStatus: 'Reachable' | 'Unreachable';
  reachabilityFailureReason: string;
  collectionStatus: string;
  upTime: string;
  lastUpdated: string;
  lastUpdateTime: number;
  snmpLocation: string;
  description: string;
  errorCode: string | null;
  errorDescription: string | null;
  instanceTenantId: string;
}

/** A template parameter (`templateParams[]`). */
export interface SimTemplateParam {
  id: string;
  parameterName: string;
  displayName: string;
  description: string;
  dataType: 'STRING' | 'INTEGER' | 'IPADDRESS';
  required: boolean;
  defaultValue: string | null;
  order: number;
  notParam: boolean;
  paramArray: boolean;
  /** INTEGER: allowed value intervals; STRING: allowed length intervals. */
  range: Array<{ id: string; minValue: number; maxValue: number }>;
  /** A pick list (`selectionValues`: label → value), or null. */
  selection: { id: string; selectionType: 'SINGLE_SELECT' | 'MULTI_SELECT'; selectionValues: Record<string, string>; defaultSelectedValues: string[] } | null;
}

/** A template as `GET /dna/intent/api/v1/template-programmer/template/{id}` returns it. */
export interface SimTemplate {
  id: string;
  name: string;
  description: string;
  projectId: string;
  projectName: string;
  language: 'VELOCITY' | 'JINJA';
  softwareType: string;
  softwareVariant: string;
  deviceTypes: Array<{ productFamily: string }>;
  templateContent: string;
  templateParams: SimTemplateParam[];
  version: string;
  author: string;
  composite: boolean;
  createTime: number;
  lastUpdateTime: number;
  tags: string[];
}

/** What the simulator starts with. Device ↔ site assignment is kept beside the API shapes. */
export interface CatalystSeed {
  sites: SimSite[];
  devices: SimDevice[];
  /** deviceId → siteId. */
  deviceSites: Record<string, string>;
  templates: SimTemplate[];
}

const TENANT = '6f3a2c1e9b8d7a6f5e4d3c2b';
const SEED_TIME = Date.UTC(2026, 10, 1, 8, 0, 0);

const siteId = (n: number) => `5e000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const deviceId = (n: number) => `de000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const templateId = (n: number) => `7e000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const projectId = (n: number) => `9e000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

function site(n: number, parent: SimSite | undefined, name: string, type: 'area' | 'building' | 'floor' | undefined, address?: string): SimSite {
  const attributes: Record<string, string> = type === undefined ? {} : { type };
  if (address) attributes['address'] = address;
  return {
    id: siteId(n),
    parentId: parent?.id ?? '',
    name,
    siteHierarchy: parent ? `${parent.siteHierarchy}/${siteId(n)}` : siteId(n),
    siteNameHierarchy: parent ? `${parent.siteNameHierarchy}/${name}` : name,
    instanceTenantId: TENANT,
    additionalInfo: type === undefined ? [] : [{ nameSpace: 'Location', attributes }],
  };
}

const global = site(1, undefined, 'Global', undefined);
const us = site(2, global, 'US', 'area');
const sanJose = site(3, us, 'San Jose', 'area');
const sjc01 = site(4, sanJose, 'SJC-01', 'building', '170 West Tasman Drive, San Jose, California 95134');
const sjc01Floor1 = site(5, sjc01, 'Floor-1', 'floor');
const newYork = site(6, us, 'New York', 'area');
const nyc05 = site(7, newYork, 'NYC-05', 'building', '300 East 42nd Street, New York, New York 10017');
const uk = site(8, global, 'UK', 'area');
const london = site(9, uk, 'London', 'area');
const lon02 = site(10, london, 'LON-02', 'building', '10 New Square, Bedfont Lakes, Feltham TW14 8HA');

interface Platform {
  platformId: string;
  family: string;
  series: string;
  type: string;
  softwareVersion: string;
}
const C9300: Platform = {
  platformId: 'C9300-48U',
  family: 'Switches and Hubs',
  series: 'Cisco Catalyst 9300 Series Switches',
  type: 'Cisco Catalyst 9300 Switch',
  softwareVersion: '17.9.4a',
};
const C9500: Platform = {
  platformId: 'C9500-40X',
  family: 'Switches and Hubs',
  series: 'Cisco Catalyst 9500 Series Switches',
  type: 'Cisco Catalyst 9500 Switch',
  softwareVersion: '17.9.4a',
};
const ISR4451: Platform = {
  platformId: 'ISR4451-X/K9',
  family: 'Routers',
  series: 'Cisco 4400 Series Integrated Services Routers',
  type: 'Cisco 4451 Integrated Services Router',
  softwareVersion: '17.6.5',
};
const C9800: Platform = {
  platformId: 'C9800-40-K9',
  family: 'Wireless Controller',
  series: 'Cisco Catalyst 9800 Series Wireless Controllers',
  type: 'Cisco Catalyst 9800-40 Wireless Controller',
  softwareVersion: '17.12.3',
};

function device(
  n: number,
  hostname: string,
  ip: string,
  platform: Platform,
  role: SimDevice['role'],
  serialNumber: string,
  location: SimSite,
  reachable = true,
): SimDevice {
  const hex = n.toString(16).padStart(2, '0');
  return {
    id: deviceId(n),
    instanceUuid: deviceId(n),
    hostname,
    managementIpAddress: ip,
    ...platform,
    role,
    roleSource: 'AUTO',
    softwareType: 'IOS-XE',
    serialNumber,
    macAddress: `70:1f:53:a4:${hex}:00`,
    reachabilityStatus: reachable ? 'Reachable' : 'Unreachable',
    reachabilityFailureReason: reachable ? '' : 'SNMP Connectivity Failed',
    collectionStatus: reachable ? 'Managed' : 'Could Not Synchronize',
    upTime: reachable ? `${30 + n} days, 4:12:09.51` : '',
    lastUpdated: new Date(SEED_TIME).toISOString(),
    lastUpdateTime: SEED_TIME,
    snmpLocation: location.siteNameHierarchy,
    description: `Cisco IOS Software [${platform.softwareVersion}], ${platform.type}`,
    errorCode: reachable ? null : 'DEV-UNREACHED',
    errorDescription: reachable ? null : 'NCIM12013: SNMP timeouts are occurring with this device',
    instanceTenantId: TENANT,
  };
}

const devices: Array<[SimDevice, SimSite]> = [
  // San Jose SJC-01 (10)
  [device(1, 'sjc01-core-01', '10.10.0.1', C9500, 'CORE', 'FCW2233A0A1', sjc01), sjc01],
  [device(2, 'sjc01-core-02', '10.10.0.2', C9500, 'CORE', 'FCW2233A0A2', sjc01), sjc01],
  [device(3, 'sjc01-dist-01', '10.10.1.1', C9500, 'DISTRIBUTION', 'FCW2233A0B1', sjc01), sjc01],
  [device(4, 'sjc01-dist-02', '10.10.1.2', C9500, 'DISTRIBUTION', 'FCW2233A0B2', sjc01), sjc01],
  [device(5, 'sjc01-acc-01', '10.10.2.1', C9300, 'ACCESS', 'FOC2418L0C1', sjc01Floor1), sjc01Floor1],
  [device(6, 'sjc01-acc-02', '10.10.2.2', C9300, 'ACCESS', 'FOC2418L0C2', sjc01Floor1), sjc01Floor1],
  [device(7, 'sjc01-acc-03', '10.10.2.3', C9300, 'ACCESS', 'FOC2418L0C3', sjc01Floor1), sjc01Floor1],
  [device(8, 'sjc01-acc-04', '10.10.2.4', C9300, 'ACCESS', 'FOC2418L0C4', sjc01Floor1), sjc01Floor1],
  [device(9, 'sjc01-wlc-01', '10.10.3.1', C9800, 'ACCESS', 'TTM2345001A', sjc01), sjc01],
  [device(10, 'sjc01-br-01', '10.10.255.1', ISR4451, 'BORDER ROUTER', 'FDO2150A1E1', sjc01), sjc01],
  // New York NYC-05 (7) — nyc05-acc-03 is unreachable
  [device(11, 'nyc05-core-01', '10.20.0.1', C9500, 'CORE', 'FCW2233B0A1', nyc05), nyc05],
  [device(12, 'nyc05-dist-01', '10.20.1.1', C9500, 'DISTRIBUTION', 'FCW2233B0B1', nyc05), nyc05],
  [device(13, 'nyc05-acc-01', '10.20.2.1', C9300, 'ACCESS', 'FOC2418M0C1', nyc05), nyc05],
  [device(14, 'nyc05-acc-02', '10.20.2.2', C9300, 'ACCESS', 'FOC2418M0C2', nyc05), nyc05],
  [device(15, 'nyc05-acc-03', '10.20.2.3', C9300, 'ACCESS', 'FOC2418M0C3', nyc05, false), nyc05],
  [device(16, 'nyc05-br-01', '10.20.255.1', ISR4451, 'BORDER ROUTER', 'FDO2150B1E1', nyc05), nyc05],
  [device(17, 'nyc05-wlc-01', '10.20.3.1', C9800, 'ACCESS', 'TTM2345002B', nyc05), nyc05],
  // London LON-02 (5) — lon02-acc-02 is unreachable
  [device(18, 'lon02-core-01', '10.30.0.1', C9500, 'CORE', 'FCW2233C0A1', lon02), lon02],
  [device(19, 'lon02-dist-01', '10.30.1.1', C9500, 'DISTRIBUTION', 'FCW2233C0B1', lon02), lon02],
  [device(20, 'lon02-acc-01', '10.30.2.1', C9300, 'ACCESS', 'FOC2418N0C1', lon02), lon02],
  [device(21, 'lon02-acc-02', '10.30.2.2', C9300, 'ACCESS', 'FOC2418N0C2', lon02, false), lon02],
  [device(22, 'lon02-br-01', '10.30.255.1', ISR4451, 'BORDER ROUTER', 'FDO2150C1E1', lon02), lon02],
];

function param(
  template: number,
  order: number,
  parameterName: string,
  dataType: SimTemplateParam['dataType'],
  required: boolean,
  description: string,
  defaultValue: string | null = null,
  constraints: Partial<Pick<SimTemplateParam, 'range' | 'selection'>> = {},
): SimTemplateParam {
  return {
    range: [],
    selection: null,
    ...constraints,
    id: `a0000000-0000-4000-8000-${(template * 256 + order).toString(16).padStart(12, '0')}`,
    parameterName,
    displayName: parameterName,
    description,
    dataType,
    required,
    defaultValue,
    order,
    notParam: false,
    paramArray: false,
  };
}

const SWITCHES = { productFamily: 'Switches and Hubs' };
const ROUTERS = { productFamily: 'Routers' };
const WLC = { productFamily: 'Wireless Controller' };

function template(n: number, fields: Omit<SimTemplate, 'id' | 'version' | 'author' | 'composite' | 'createTime' | 'lastUpdateTime' | 'language' | 'softwareType' | 'softwareVariant' | 'tags' | 'projectId' | 'projectName'>): SimTemplate {
  return {
    id: templateId(n),
    projectId: projectId(1),
    projectName: 'Campus Day-N',
    language: 'VELOCITY',
    softwareType: 'IOS-XE',
    softwareVariant: 'XE',
    version: '1',
    author: 'admin',
    composite: false,
    createTime: SEED_TIME,
    lastUpdateTime: SEED_TIME,
    tags: [],
    ...fields,
  };
}

const templates: SimTemplate[] = [
  template(1, {
    name: 'Interface Description',
    description: 'Sets the description of one interface',
    deviceTypes: [SWITCHES],
    templateContent: 'interface $interface\n description $description\n',
    templateParams: [
      param(1, 1, 'interface', 'STRING', true, 'Interface name, e.g. GigabitEthernet1/0/10'),
      param(1, 2, 'description', 'STRING', true, 'Interface description', null, { range: [{ id: 'r-1-2', minValue: 1, maxValue: 240 }] }),
    ],
  }),
  template(2, {
    name: 'NTP Servers',
    description: 'Configures the primary and optional secondary NTP server',
    deviceTypes: [SWITCHES, ROUTERS, WLC],
    templateContent: 'ntp server $ntpPrimary prefer\n#if($ntpSecondary != "")\nntp server $ntpSecondary\n#end\n',
    templateParams: [
      param(2, 1, 'ntpPrimary', 'IPADDRESS', true, 'Primary NTP server address'),
      param(2, 2, 'ntpSecondary', 'IPADDRESS', false, 'Secondary NTP server address', ''),
    ],
  }),
  template(3, {
    name: 'Access VLAN',
    description: 'Creates a VLAN and assigns it to an access port',
    deviceTypes: [SWITCHES],
    templateContent: 'vlan $vlanId\n name $vlanName\ninterface $interface\n switchport mode access\n switchport access vlan $vlanId\n',
    templateParams: [
      param(3, 1, 'vlanId', 'INTEGER', true, 'VLAN id (1-4094)', null, { range: [{ id: 'r-3-1', minValue: 1, maxValue: 4094 }] }),
      param(3, 2, 'vlanName', 'STRING', true, 'VLAN name'),
      param(3, 3, 'interface', 'STRING', true, 'Access interface'),
    ],
  }),
  template(4, {
    name: 'Login Banner',
    description: 'Sets the message-of-the-day banner (no variables)',
    deviceTypes: [SWITCHES, ROUTERS, WLC],
    templateContent: 'banner motd ^Authorized access only. Activity is monitored.^\n',
    templateParams: [],
  }),
  template(5, {
    name: 'Syslog Server',
    description: 'Sends syslog to a server at a chosen severity',
    deviceTypes: [SWITCHES, ROUTERS, WLC],
    templateContent: 'logging host $loggingHost\nlogging trap $trapLevel\n',
    templateParams: [
      param(5, 1, 'loggingHost', 'IPADDRESS', true, 'Syslog server address'),
      param(5, 2, 'trapLevel', 'STRING', false, 'Highest severity sent', 'informational', {
        selection: {
          id: 's-5-2',
          selectionType: 'SINGLE_SELECT',
          selectionValues: { Errors: 'errors', Warnings: 'warnings', Notifications: 'notifications', Informational: 'informational', Debugging: 'debugging' },
          defaultSelectedValues: ['informational'],
        },
      }),
    ],
  }),
];

/**
 * Well-known ids of the seed, for tests and demos.
 *
 * @example
 * ```ts
 * await client.getDevice(SEED_IDS.devices.sjc01Core01); // CORE, C9500-40X, reachable
 * ```
 */
export const SEED_IDS = {
  sites: { global: global.id, us: us.id, sanJose: sanJose.id, sjc01: sjc01.id, sjc01Floor1: sjc01Floor1.id, newYork: newYork.id, nyc05: nyc05.id, uk: uk.id, london: london.id, lon02: lon02.id },
  devices: {
    sjc01Core01: deviceId(1),
    sjc01Core02: deviceId(2),
    sjc01Dist01: deviceId(3),
    sjc01Acc01: deviceId(5),
    /** Interface errors on GigabitEthernet1/0/24 (forced speed/duplex), P2 issue, two archived configs. */
    sjc01Acc02: deviceId(6),
    sjc01Wlc01: deviceId(9),
    sjc01Br01: deviceId(10),
    nyc05Core01: deviceId(11),
    /** Flapping uplink TenGigabitEthernet1/1/1, P1 issue, oversized `show logging`. */
    nyc05Dist01: deviceId(12),
    nyc05Acc01: deviceId(13),
    /** Unreachable: deployments to it fail, Command Runner times out on it. */
    nyc05Acc03: deviceId(15),
    lon02Core01: deviceId(18),
    /** Unreachable: deployments to it fail. */
    lon02Acc02: deviceId(21),
  },
  templates: { interfaceDescription: templateId(1), ntpServers: templateId(2), accessVlan: templateId(3), loginBanner: templateId(4), syslogServer: templateId(5) },
} as const;

/**
 * A fresh copy of the default seed (mutating it does not affect other simulators).
 *
 * @example
 * ```ts
 * const seed = defaultCatalystSeed();
 * seed.devices.filter((d) => d.role === 'CORE').map((d) => d.hostname); // ['sjc01-core-01', …]
 * ```
 */
export function defaultCatalystSeed(): CatalystSeed {
  return structuredClone({
    sites: [global, us, sanJose, sjc01, sjc01Floor1, newYork, nyc05, uk, london, lon02],
    devices: devices.map(([d]) => d),
    deviceSites: Object.fromEntries(devices.map(([d, s]) => [d.id, s.id])),
    templates,
  });
}
