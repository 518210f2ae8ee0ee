/**
 * The story the simulator's analysis endpoints tell (Assurance, Command Runner, Path Trace,
 * Configuration Archive), on top of the inventory of `seed.ts`:
 *
 * - **NYC-05 has a flapping uplink**: `nyc05-dist-01` TenGigabitEthernet1/1/1 (to
 *   `nyc05-core-01`) goes up and down; the site's health is poor, the device's inter-device
 *   link health is 2/10, a P1 issue is open and `show logging` is thousands of
 *   `%LINK-3-UPDOWN` lines (the oversized output).
 * - **sjc01-acc-02 has interface errors** on GigabitEthernet1/0/24: CRC and input errors in
 *   `show interfaces`, a P2 issue, and the configuration archive shows what changed
 *   yesterday (`speed 100` / `duplex half` forced on that port — the duplex mismatch).
 * - **nyc05-acc-03 is unreachable**: a P1 issue, and Command Runner times out on it.
 * - Every running configuration carries the secrets a real one does (enable secret, local
 *   user hashes, SNMP communities, TACACS+ key, OSPF key), so redaction can be tested.
 *
 * DEV ONLY: every "secret" below is fake and public.
 */
import type { CatalystSeed, SimDevice } from './seed.ts';

/** Assurance health of one device (scores 1–10 as Catalyst Center reports them). */
export interface SimDeviceHealth {
  overallHealth: number;
  cpuUtilization: number;
  cpuHealth: number;
  memoryUtilization: number;
  memoryUtilizationHealth: number;
  interfaceLinkErrHealth: number;
  interDeviceLinkAvailHealth: number;
  issueCount: number;
}

/** An Assurance issue with its enrichment (suggested actions). */
export interface SimIssue {
  issueId: string;
  name: string;
  description: string;
  summary: string;
  siteId: string;
  deviceId: string;
  deviceRole: string;
  category: string;
  priority: 'P1' | 'P2' | 'P3' | 'P4';
  severity: 'HIGH' | 'MEDIUM' | 'LOW';
  status: 'ACTIVE' | 'IGNORED' | 'RESOLVED';
  occurrences: number;
  lastOccurrenceTime: number;
  suggestedActions: { message: string; steps: string[] }[];
}

/** One archived configuration version of a device. */
export interface SimConfigFile {
  id: string;
  networkDeviceId: string;
  versionId: string;
  fileType: 'RUNNINGCONFIG' | 'STARTUPCONFIG';
  createdBy: string;
  createdTime: number;
  /** The unmasked text (the API hands out masked text only). */
  content: string;
}

/** Everything the analysis endpoints serve. */
export interface AnalysisSeed {
  health: Record<string, SimDeviceHealth>;
  issues: SimIssue[];
  configFiles: SimConfigFile[];
  /** Extra lines of each device's running configuration, by device id (interface blocks). */
  interfaceConfig: Record<string, string[]>;
  /** `show interfaces <name>` counters, by device id then interface name. */
  interfaceCounters: Record<string, Record<string, SimInterfaceCounters>>;
  /** Lines of `show logging`, by device id (generated on demand when absent). */
  logging: Record<string, number>;
}

/** Counters `show interfaces` prints. */
export interface SimInterfaceCounters {
  status: 'up' | 'down';
  description: string;
  speed: string;
  duplex: string;
  inputPackets: number;
  inputErrors: number;
  crc: number;
  frame: number;
  outputPackets: number;
  outputErrors: number;
  collisions: number;
  interfaceResets: number;
  carrierTransitions: number;
}

export const SEED_TIME = Date.UTC(2026, 10, 1, 8, 0, 0);
const HOUR = 3_600_000;
const issueId = (n: number) => `15000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const configId = (n: number) => `cf000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/**
 * Well-known ids of the analysis story.
 *
 * @example
 * ```ts
 * await fetch(`${sim.url}/dna/intent/api/v1/issue-enrichment-details`, { headers: { entity_type: 'issue_id', entity_value: ANALYSIS_SEED_IDS.issues.nyc05UplinkFlapping } });
 * ```
 */
export const ANALYSIS_SEED_IDS = {
  issues: { nyc05UplinkFlapping: issueId(1), sjc01Acc02InterfaceErrors: issueId(2), nyc05Acc03Unreachable: issueId(3), lon02Acc02Unreachable: issueId(4) },
  configFiles: { sjc01Acc02Before: configId(1), sjc01Acc02After: configId(2) },
} as const;

/** Fake secrets of every running configuration (DEV ONLY, public on purpose). */
export const SIM_DEVICE_SECRETS = {
  enableSecret: '$9$5fVx2Lq0rTzYkH$Qm3Zl9Wc1xKpR0bYd8uTnA4sE2vG6hJ7iL5oP9qW3rE',
  adminSecret: '$9$Jk2Lm9Nq8Rs7Tu$Vw6Xy5Za4Bc3De2Fg1Hi0Jk9Lm8No7Pq6Rs5Tu4Vw3X',
  netopsPassword7: '094F471A1A0A',
  snmpRo: 'Acme-RO-c0mmunity',
  snmpRw: 'Acme-RW-pr1vate',
  tacacsKey: 'T4cacs-Sh4red-K3y',
  ospfKey: '0spf-Md5-K3y',
  snmpAuth: 'Snmpv3-Auth-P4ss',
  snmpPriv: 'Snmpv3-Priv-P4ss',
} as const;

function defaultHealth(d: SimDevice): SimDeviceHealth {
  const reachable = d.reachabilityStatus === 'Reachable';
  return {
    overallHealth: reachable ? 10 : 1,
    cpuUtilization: reachable ? 12 : 0,
    cpuHealth: reachable ? 10 : 0,
    memoryUtilization: reachable ? 38 : 0,
    memoryUtilizationHealth: reachable ? 10 : 0,
    interfaceLinkErrHealth: reachable ? 10 : 0,
    interDeviceLinkAvailHealth: reachable ? 10 : 0,
    issueCount: 0,
  };
}

const counters = (c: Partial<SimInterfaceCounters>): SimInterfaceCounters => ({
  status: 'up',
  description: '',
  speed: '1000Mb/s',
  duplex: 'Full-duplex',
  inputPackets: 18_234_112,
  inputErrors: 0,
  crc: 0,
  frame: 0,
  outputPackets: 20_119_876,
  outputErrors: 0,
  collisions: 0,
  interfaceResets: 1,
  carrierTransitions: 1,
  ...c,
});

/**
 * The analysis story for an inventory (normally `defaultCatalystSeed()`); devices the story
 * names must exist in it, every other device is healthy (or down, if unreachable).
 *
 * @example
 * ```ts
 * const analysis = analysisSeed(defaultCatalystSeed());
 * analysis.issues.filter((i) => i.priority === 'P1').map((i) => i.name);
 * ```
 */
export function analysisSeed(seed: CatalystSeed): AnalysisSeed {
  const health: Record<string, SimDeviceHealth> = Object.fromEntries(seed.devices.map((d) => [d.id, defaultHealth(d)]));
  const issues: SimIssue[] = [];
  const interfaceCounters: Record<string, Record<string, SimInterfaceCounters>> = {};
  const interfaceConfig: Record<string, string[]> = {};
  const logging: Record<string, number> = {};
  const configFiles: SimConfigFile[] = [];
  const siteOf = (d: SimDevice) => seed.deviceSites[d.id] ?? '';

  const nycDist = seed.devices.find((d) => d.hostname === 'nyc05-dist-01');
  if (nycDist) {
    health[nycDist.id] = { ...defaultHealth(nycDist), overallHealth: 3, interDeviceLinkAvailHealth: 2, interfaceLinkErrHealth: 6, cpuUtilization: 41, cpuHealth: 9, issueCount: 1 };
    interfaceCounters[nycDist.id] = {
      'TenGigabitEthernet1/1/1': counters({ description: 'uplink to nyc05-core-01 Te1/0/1', speed: '10Gb/s', inputErrors: 312, crc: 0, frame: 0, interfaceResets: 418, carrierTransitions: 836 }),
      'TenGigabitEthernet1/1/2': counters({ description: 'uplink to nyc05-core-01 Te1/0/2', speed: '10Gb/s' }),
    };
    interfaceConfig[nycDist.id] = ['interface TenGigabitEthernet1/1/1', ' description uplink to nyc05-core-01 Te1/0/1', ' ip ospf message-digest-key 1 md5 ' + SIM_DEVICE_SECRETS.ospfKey, ' no switchport', '!'];
    logging[nycDist.id] = 6000; // ~400 KB of %LINK-3-UPDOWN: the oversized output
    issues.push({
      issueId: issueId(1),
      name: 'Interface TenGigabitEthernet1/1/1 on nyc05-dist-01 is flapping',
      description:
        'The uplink TenGigabitEthernet1/1/1 from nyc05-dist-01 to nyc05-core-01 changed state 836 times in the last 24 hours. Traffic of building NYC-05 is repeatedly rerouted over the second uplink, causing packet loss and latency.',
      summary: 'Uplink flapping at NYC-05',
      siteId: siteOf(nycDist),
      deviceId: nycDist.id,
      deviceRole: 'DISTRIBUTION',
      category: 'Connectivity',
      priority: 'P1',
      severity: 'HIGH',
      status: 'ACTIVE',
      occurrences: 418,
      lastOccurrenceTime: SEED_TIME - HOUR / 4,
      suggestedActions: [
        { message: 'Check the interface error counters and transceiver levels on both ends of the link.', steps: ['show interfaces TenGigabitEthernet1/1/1', 'show interfaces TenGigabitEthernet1/1/1 transceiver detail'] },
        { message: 'Review the log for link state changes and their timing.', steps: ['show logging'] },
        { message: 'If the optics or cable are faulty, replace them during a maintenance window.', steps: [] },
      ],
    });
  }

  const sjcAcc2 = seed.devices.find((d) => d.hostname === 'sjc01-acc-02');
  if (sjcAcc2) {
    health[sjcAcc2.id] = { ...defaultHealth(sjcAcc2), overallHealth: 6, interfaceLinkErrHealth: 3, issueCount: 1 };
    interfaceCounters[sjcAcc2.id] = {
      'GigabitEthernet1/0/24': counters({ description: 'printer-floor1-east', speed: '100Mb/s', duplex: 'Half-duplex', inputErrors: 48_211, crc: 47_905, frame: 306, outputErrors: 0, collisions: 9_120, interfaceResets: 3 }),
      'GigabitEthernet1/0/1': counters({ description: 'ap-floor1-01' }),
    };
    const before = ['interface GigabitEthernet1/0/24', ' description printer-floor1-east', ' switchport access vlan 20', ' switchport mode access', '!'];
    const after = ['interface GigabitEthernet1/0/24', ' description printer-floor1-east', ' switchport access vlan 20', ' switchport mode access', ' speed 100', ' duplex half', '!'];
    interfaceConfig[sjcAcc2.id] = after;
    configFiles.push(
      { id: configId(1), networkDeviceId: sjcAcc2.id, versionId: 'v1', fileType: 'RUNNINGCONFIG', createdBy: 'SYSTEM', createdTime: SEED_TIME - 72 * HOUR, content: runningConfig(sjcAcc2, before) },
      { id: configId(2), networkDeviceId: sjcAcc2.id, versionId: 'v2', fileType: 'RUNNINGCONFIG', createdBy: 'mike.jones', createdTime: SEED_TIME - 20 * HOUR, content: runningConfig(sjcAcc2, after) },
    );
    issues.push({
      issueId: issueId(2),
      name: 'Interface GigabitEthernet1/0/24 on sjc01-acc-02 has a high rate of input errors',
      description:
        'GigabitEthernet1/0/24 on sjc01-acc-02 receives frames with CRC errors (47905 in the last 24 hours) and late collisions. The pattern matches a speed/duplex mismatch with the connected endpoint.',
      summary: 'Interface errors at SJC-01 Floor-1',
      siteId: siteOf(sjcAcc2),
      deviceId: sjcAcc2.id,
      deviceRole: 'ACCESS',
      category: 'Device',
      priority: 'P2',
      severity: 'MEDIUM',
      status: 'ACTIVE',
      occurrences: 12,
      lastOccurrenceTime: SEED_TIME - HOUR,
      suggestedActions: [
        { message: 'Compare the speed and duplex settings of the port with the connected device.', steps: ['show interfaces GigabitEthernet1/0/24'] },
        { message: 'Check recent configuration changes on the device.', steps: [] },
        { message: 'Set the port back to auto-negotiation if it was forced.', steps: [] },
      ],
    });
  }

  const nycAcc3 = seed.devices.find((d) => d.hostname === 'nyc05-acc-03');
  if (nycAcc3) {
    health[nycAcc3.id] = { ...defaultHealth(nycAcc3), issueCount: 1 };
    issues.push({
      issueId: issueId(3),
      name: 'Network device nyc05-acc-03 is unreachable',
      description: 'Catalyst Center cannot reach nyc05-acc-03 (10.20.2.3) over SNMP or SSH since 06:12 UTC. Clients on its ports have no connectivity.',
      summary: 'Access switch unreachable at NYC-05',
      siteId: siteOf(nycAcc3),
      deviceId: nycAcc3.id,
      deviceRole: 'ACCESS',
      category: 'Availability',
      priority: 'P1',
      severity: 'HIGH',
      status: 'ACTIVE',
      occurrences: 1,
      lastOccurrenceTime: SEED_TIME - 2 * HOUR,
      suggestedActions: [
        { message: 'Check power and the uplink of the device from its distribution switch.', steps: ['show cdp neighbors'] },
        { message: 'Verify the management credentials and SNMP settings of the device in Catalyst Center.', steps: [] },
      ],
    });
  }

  const lonAcc2 = seed.devices.find((d) => d.hostname === 'lon02-acc-02');
  if (lonAcc2) {
    issues.push({
      issueId: issueId(4),
      name: 'Network device lon02-acc-02 is unreachable',
      description: 'Catalyst Center cannot reach lon02-acc-02 (10.30.2.2). The device was marked for replacement; the issue is ignored.',
      summary: 'Access switch unreachable at LON-02',
      siteId: siteOf(lonAcc2),
      deviceId: lonAcc2.id,
      deviceRole: 'ACCESS',
      category: 'Availability',
      priority: 'P3',
      severity: 'LOW',
      status: 'IGNORED',
      occurrences: 1,
      lastOccurrenceTime: SEED_TIME - 48 * HOUR,
      suggestedActions: [{ message: 'Replace the device or remove it from the inventory.', steps: [] }],
    });
  }

  return { health, issues, configFiles, interfaceConfig, interfaceCounters, logging };
}

/**
 * The running configuration of a device, secrets included (as `show running-config` prints
 * it); `extra` are interface blocks of the story.
 */
export function runningConfig(d: SimDevice, extra: string[] = []): string {
  const s = SIM_DEVICE_SECRETS;
  return [
    'Building configuration...',
    '',
    'Current configuration : 9214 bytes',
    '!',
    `! Last configuration change at 07:41:12 UTC Sat Oct 31 2026 by netops`,
    '!',
    'version 17.9',
    'service timestamps debug datetime msec',
    'service timestamps log datetime msec',
    'service password-encryption',
    '!',
    `hostname ${d.hostname}`,
    '!',
    `enable secret 9 ${s.enableSecret}`,
    '!',
    'aaa new-model',
    'aaa authentication login default group ISE-TACACS local',
    '!',
    `username admin privilege 15 secret 9 ${s.adminSecret}`,
    `username netops privilege 15 password 7 ${s.netopsPassword7}`,
    '!',
    'tacacs server ISE-1',
    ' address ipv4 10.250.0.10',
    ` key 7 ${s.tacacsKey}`,
    '!',
    ...extra,
    'interface Vlan1',
    ' no ip address',
    ' shutdown',
    '!',
    `snmp-server community ${s.snmpRo} RO SNMP-ACL`,
    `snmp-server community ${s.snmpRw} RW SNMP-ACL`,
    `snmp-server user monitor NETMON v3 auth sha ${s.snmpAuth} priv aes 128 ${s.snmpPriv}`,
    `snmp-server host 10.250.0.20 version 2c ${s.snmpRo}`,
    '!',
    'line vty 0 15',
    ' transport input ssh',
    '!',
    'end',
    '',
  ].join('\n');
}
