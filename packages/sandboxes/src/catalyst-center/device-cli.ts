/**
 * What a simulated IOS-XE device prints for the read-only commands Command Runner sends it.
 * Like IOS, keywords may be abbreviated (`sh run` = `show running-config`): the simulator is
 * deliberately as permissive as a real device, so that tests prove the platform refuses
 * abbreviations and smuggling before anything reaches Catalyst Center.
 */
import { runningConfig, type AnalysisSeed, type SimInterfaceCounters } from './analysis-seed.ts';
import type { SimDevice } from './seed.ts';

/** Result of one command on one device, as Command Runner files it. */
export interface CliResult {
  status: 'SUCCESS' | 'FAILURE' | 'BLACKLISTED';
  output: string;
}

/** First keywords Command Runner accepts (`GET …/cli/legit-reads`). */
export const LEGIT_READ_KEYWORDS = ['cat', 'dir', 'more', 'show', 'traceroute', 'verify', 'who'] as const;

/** True when `word` abbreviates `keyword` (IOS: any unambiguous prefix, at least one letter). */
const abbrev = (word: string | undefined, keyword: string, min = 2): boolean => word !== undefined && word.length >= min && keyword.startsWith(word);

function showInterface(name: string, c: SimInterfaceCounters): string {
  return [
    `${name} is ${c.status}, line protocol is ${c.status}`,
    `  Hardware is Gigabit Ethernet, address is 701f.53a4.0018 (bia 701f.53a4.0018)`,
    `  Description: ${c.description}`,
    '  MTU 1500 bytes, BW 1000000 Kbit/sec, DLY 10 usec,',
    '     reliability 255/255, txload 1/255, rxload 1/255',
    `  ${c.duplex}, ${c.speed}, media type is 10/100/1000BaseTX`,
    '  5 minute input rate 2000 bits/sec, 3 packets/sec',
    '  5 minute output rate 4000 bits/sec, 5 packets/sec',
    `     ${c.inputPackets} packets input, ${c.inputPackets * 412} bytes, 0 no buffer`,
    `     ${c.inputErrors} input errors, ${c.crc} CRC, ${c.frame} frame, 0 overrun, 0 ignored`,
    `     ${c.outputPackets} packets output, ${c.outputPackets * 388} bytes, 0 underruns`,
    `     ${c.outputErrors} output errors, ${c.collisions} collisions, ${c.interfaceResets} interface resets`,
    `     ${c.carrierTransitions} lost carrier, 0 no carrier`,
  ].join('\n');
}

function logging(d: SimDevice, lines: number): string {
  const out = ['Syslog logging: enabled (0 messages dropped, 0 flushes, 0 overruns)', '', 'Log Buffer (4096000 bytes):'];
  for (let i = 0; i < lines; i++) {
    const up = i % 2 === 1;
    const t = new Date(Date.UTC(2026, 10, 1, 0, 0, 0) + i * 7_000).toISOString().slice(11, 23);
    out.push(`Nov  1 ${t}: %LINK-3-UPDOWN: Interface TenGigabitEthernet1/1/1, changed state to ${up ? 'up' : 'down'}`);
    out.push(`Nov  1 ${t}: %LINEPROTO-5-UPDOWN: Line protocol on Interface TenGigabitEthernet1/1/1, changed state to ${up ? 'up' : 'down'}`);
  }
  if (lines === 0) out.push(`Nov  1 06:00:00.000: %SYS-5-CONFIG_I: Configured from console by netops on vty0 (${d.managementIpAddress})`);
  return out.join('\n');
}

/**
 * Runs `command` on `device` the way IOS-XE would answer it through Command Runner.
 *
 * @example
 * ```ts
 * runCli(device, analysis, 'show version'); // { status: 'SUCCESS', output: 'Cisco IOS XE Software…' }
 * ```
 */
export function runCli(device: SimDevice, analysis: AnalysisSeed, command: string): CliResult {
  const words = command.trim().split(/\s+/);
  const first = words[0]?.toLowerCase() ?? '';
  if (!LEGIT_READ_KEYWORDS.includes(first as (typeof LEGIT_READ_KEYWORDS)[number]) && !abbrev(first, 'show')) {
    return { status: 'BLACKLISTED', output: `Command ${command.slice(0, 80)} is not a read-only command` };
  }
  const [, w1, w2, ...rest] = words.map((w) => w.toLowerCase());
  const prompt = `${device.hostname}#${command}`;
  const ok = (body: string): CliResult => ({ status: 'SUCCESS', output: `${prompt}\n${body}\n${device.hostname}#` });
  if (abbrev(first, 'show')) {
    if (abbrev(w1, 'version', 3)) {
      return ok(
        [
          `Cisco IOS XE Software, Version ${device.softwareVersion}`,
          `Cisco IOS Software [Cupertino], ${device.type}, Version ${device.softwareVersion}, RELEASE SOFTWARE (fc3)`,
          `${device.hostname} uptime is ${device.upTime}`,
          `cisco ${device.platformId} processor with 1326887K/6147K bytes of memory.`,
          `Processor board ID ${device.serialNumber}`,
        ].join('\n'),
      );
    }
    if (abbrev(w1, 'running-config', 3)) return ok(runningConfig(device, analysis.interfaceConfig[device.id] ?? []));
    if (abbrev(w1, 'clock', 2)) return ok('*08:00:00.000 UTC Sun Nov 1 2026');
    if (abbrev(w1, 'logging', 3)) return ok(logging(device, analysis.logging[device.id] ?? 0));
    if (abbrev(w1, 'inventory', 3)) return ok(`NAME: "Chassis", DESCR: "${device.type}"\nPID: ${device.platformId}, VID: V02, SN: ${device.serialNumber}`);
    if (abbrev(w1, 'cdp', 2)) return ok('Device ID        Local Intrfce     Holdtme    Capability  Platform  Port ID\n(neighbors of the seeded topology are not modelled)');
    if (abbrev(w1, 'ip', 2) && abbrev(w2, 'interface', 3) && abbrev(rest[0], 'brief', 2)) {
      const names = Object.keys(analysis.interfaceCounters[device.id] ?? {});
      const rows = ['Interface              IP-Address      OK? Method Status                Protocol', `Vlan1                  unassigned      YES NVRAM  administratively down down`];
      for (const n of names) rows.push(`${n.padEnd(23)}unassigned      YES unset  up                    up`);
      return ok(rows.join('\n'));
    }
    if (abbrev(w1, 'interfaces', 3)) {
      const table = analysis.interfaceCounters[device.id] ?? {};
      const wanted = words[2];
      if (wanted === undefined) return ok(Object.entries(table).map(([n, c]) => showInterface(n, c)).join('\n'));
      const hit = Object.entries(table).find(([n]) => n.toLowerCase() === wanted.toLowerCase());
      if (!hit) return { status: 'FAILURE', output: `${prompt}\n                    ^\n% Invalid input detected at '^' marker.\n\n${device.hostname}#` };
      return ok(showInterface(hit[0], hit[1]));
    }
  }
  return { status: 'FAILURE', output: `${prompt}\n      ^\n% Invalid input detected at '^' marker.\n\n${device.hostname}#` };
}
