import { describe, expect, it } from 'vitest';
import { checkTemplateParams } from './template-params.ts';
import type { TemplateParam } from './types.ts';

const p = (parameterName: string, dataType: string, extra: Partial<TemplateParam> = {}): TemplateParam => ({ parameterName, dataType, required: true, defaultValue: null, ...extra });
const template = {
  name: 'T',
  templateParams: [
    p('host', 'IPADDRESS'),
    p('vlan', 'INTEGER', { range: [{ minValue: 1, maxValue: 4094 }] }),
    p('mac', 'MACADDRESS', { required: false }),
    p('label', 'STRING', { required: false, range: [{ minValue: 1, maxValue: 8 }] }),
    p('level', 'STRING', { required: false, defaultValue: 'info', selection: { selectionValues: { Info: 'info', Debug: 'debug' } } }),
  ],
};

describe('checkTemplateParams', () => {
  it('accepts values that fit their declarations', () => {
    expect(checkTemplateParams(template, { host: '192.0.2.1', vlan: 4094, mac: 'aa:bb:cc:dd:ee:ff', label: 'uplink', level: 'debug' })).toEqual([]);
    expect(checkTemplateParams(template, { host: '2001:db8::1', vlan: '1', mac: 'aabb.ccdd.eeff' })).toEqual([]);
  });

  it('names every offending variable under the field', () => {
    expect(
      checkTemplateParams(template, { host: '192.0.2.1\nusername x privilege 15', vlan: 0, mac: 'aa:bb:cc:dd:ee', label: 'much too long', level: 'trace', extra: 'x' }, 'rollback_params'),
    ).toEqual([
      'rollback_params.extra: not a variable of template "T"',
      'rollback_params.host: must not contain newlines or control characters',
      'rollback_params.vlan: must be within 1-4094',
      'rollback_params.mac: must be a MAC address (MACADDRESS)',
      'rollback_params.label: length must be within 1-8',
      'rollback_params.level: must be one of info, debug',
    ]);
  });

  it('refuses control characters of every kind, in every type', () => {
    for (const bad of ['a\rb', 'a\u0000', 'a\u001b[2J', 'a\u0085b', 'a\u2028b', 'a\u007f']) {
      expect(checkTemplateParams(template, { host: '192.0.2.1', vlan: 1, label: bad })).toEqual(['params.label: must not contain newlines or control characters']);
    }
  });

  it('refuses missing required values, padded values, non-integers, booleans and unknown data types', () => {
    expect(checkTemplateParams(template, { vlan: 1 })).toEqual(['params.host: required template variable is missing']);
    expect(checkTemplateParams(template, { host: '', vlan: 1 })).toEqual(['params.host: required template variable is missing']);
    expect(checkTemplateParams(template, { host: ' 192.0.2.1', vlan: 1 })).toEqual(['params.host: must not start or end with whitespace']);
    expect(checkTemplateParams(template, { host: '192.0.2.1', vlan: 1.5 })).toEqual(['params.vlan: must be an integer (INTEGER)']);
    expect(checkTemplateParams(template, { host: '192.0.2.1', vlan: true })).toEqual(['params.vlan: must be an integer (INTEGER)']);
    expect(checkTemplateParams({ name: 'U', templateParams: [p('x', 'CLI')] }, { x: 'y' })).toEqual(['params.x: has data type CLI, which this platform cannot check']);
  });
});
