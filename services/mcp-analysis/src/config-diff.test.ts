import { describe, expect, it } from 'vitest';
import { diffConfigs } from './config-diff.ts';

describe('diffConfigs', () => {
  it('returns the changed lines with context and counts', () => {
    const older = ['hostname sw1', 'interface Gi1/0/24', ' switchport mode access', '!', 'end'].join('\n');
    const newer = ['hostname sw1', 'interface Gi1/0/24', ' switchport mode access', ' speed 100', ' duplex half', '!', 'end'].join('\n');
    const d = diffConfigs(older, newer);
    expect(d.added).toBe(2);
    expect(d.removed).toBe(0);
    expect(d.lines).toContain('+ speed 100');
    expect(d.lines[0]).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@$/);
  });

  it('redacts secrets on both sides, so a changed secret shows as no change', () => {
    const d = diffConfigs('snmp-server community OldC0mm RO\n', 'snmp-server community NewC0mm RO\n');
    expect(d).toEqual({ lines: [], added: 0, removed: 0 });
  });

  it('refuses to diff versions too different for its bounds', () => {
    const a = Array.from({ length: 3000 }, (_, i) => `line a${i}`).join('\n');
    const b = Array.from({ length: 3000 }, (_, i) => `line b${i}`).join('\n');
    expect(() => diffConfigs(a, b, { maxEditLength: 100 })).toThrow(/differ too much/);
  });
});
