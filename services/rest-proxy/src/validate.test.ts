import type { Tool } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { createArgumentValidator } from './validate.ts';

const tool = {
  name: 'list_devices',
  inputSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      role: { type: 'string', enum: ['ACCESS', 'CORE'] },
      limit: { type: 'integer', minimum: 1 },
      device_id: { type: 'string', format: 'uuid' },
    },
    required: ['role'],
    additionalProperties: false,
  },
} as Tool;

describe('argument validation against the tool input schema', () => {
  const v = createArgumentValidator();

  it('accepts valid arguments', () => {
    expect(v.validate(tool, { role: 'CORE', limit: 3, device_id: '6f1c1e1a-1111-4222-8333-444455556666' })).toBeUndefined();
  });

  it('answers one JSON Pointer per failed field, missing and unknown fields included', () => {
    const errors = v.validate(tool, { limit: 0, device_id: 'x', colour: 'red' }) ?? [];
    expect(errors.map((e) => e.pointer).sort()).toEqual(['/arguments/colour', '/arguments/device_id', '/arguments/limit', '/arguments/role']);
  });

  it('does not block a call when the schema cannot be compiled (the server still validates)', () => {
    expect(v.validate({ name: 'odd', inputSchema: { type: 'object', properties: { a: { type: 'no-such-type' } } } } as unknown as Tool, { a: 1 })).toBeUndefined();
  });
});
