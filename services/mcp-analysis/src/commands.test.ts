import { describe, expect, it } from 'vitest';
import { CODE_DENIED_WORDS, CommandRefusedError, INTERFACE_NAME, canonicalCommand } from './commands.ts';

describe('canonicalCommand (the grammar enforced in code, whatever the policy says)', () => {
  it('accepts show commands and returns their canonical spacing', () => {
    expect(canonicalCommand('show version')).toBe('show version');
    expect(canonicalCommand('  SHOW   interfaces  GigabitEthernet1/0/24 ')).toBe('SHOW interfaces GigabitEthernet1/0/24');
    expect(canonicalCommand('show ip interface brief')).toBe('show ip interface brief');
  });

  it.each([
    ['show run | redirect flash:x', /only letters, digits/],
    ['show version; reload', /only letters, digits/],
    ['show version\nreload', /only letters, digits/],
    ['show version\treload', /only letters, digits/],
    ['show version > x', /only letters, digits/],
    ['show $(reload)', /only letters, digits/],
    ['show `reload`', /only letters, digits/],
    ["show 'x'", /only letters, digits/],
    ['ѕhow version', /only letters, digits/],
    ['show\u00a0version', /only letters, digits/],
    ['show\u200bversion', /only letters, digits/],
    ['conf t', /only read-only "show" commands/],
    ['sh run', /only read-only "show" commands/],
    ['reload', /only read-only "show" commands/],
    ['show', /needs what to show/],
    ['   ', /must not be empty/],
    ['show a b c d e f g h', /at most 8 words/],
    [`show ${'x'.repeat(65)}`, /at most 64 characters/],
    ['show interfaces redirect', /denied word\(s\): redirect/],
    ['show Configure Terminal', /denied word\(s\): configure, terminal/],
  ])('refuses %j', (command, reason) => {
    expect(() => canonicalCommand(command)).toThrow(CommandRefusedError);
    expect(() => canonicalCommand(command)).toThrow(reason);
  });

  it('names the field and carries ERR_VALIDATION', () => {
    try {
      canonicalCommand('conf t');
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'ERR_VALIDATION', message: expect.stringMatching(/^command: /) });
    }
  });

  it('refuses non-strings', () => {
    expect(() => canonicalCommand(42)).toThrow(/must be a string/);
  });

  it('denies the words the policy denies too', () => {
    for (const w of ['configure', 'reload', 'redirect', 'copy', 'write', 'debug', 'tee']) expect(CODE_DENIED_WORDS.has(w)).toBe(true);
  });
});

describe('INTERFACE_NAME', () => {
  it.each(['GigabitEthernet1/0/24', 'Te1/1/1', 'Vlan10', 'Port-channel1', 'TenGigabitEthernet1/1/1.100'])('accepts %s', (name) => {
    expect(INTERFACE_NAME.test(name)).toBe(true);
  });
  it.each(['Gi1/0/1 | redirect x', 'Gi1/0/1;reload', '1/0/1', 'Gi1/0/1\n', 'Gі1/0/1'])('refuses %j', (name) => {
    expect(INTERFACE_NAME.test(name)).toBe(false);
  });
});
