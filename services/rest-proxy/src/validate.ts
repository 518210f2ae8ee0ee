import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Tool } from '@modelcontextprotocol/client';
import type { FieldError } from './problem.ts';

/** Validates tool arguments against the tool's `inputSchema` before anything is sent. */
export interface ArgumentValidator {
  /** `undefined` when valid, otherwise one entry per failed field (JSON Pointers under `/arguments`). */
  validate(tool: Tool, args: Record<string, unknown>): FieldError[] | undefined;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * Ajv (JSON Schema 2020-12, the dialect the SDK publishes tool schemas in)
 * with compiled validators cached by schema text, so a schema is compiled once
 * per process however many callers list it. A schema Ajv cannot compile is
 * not checked here (the MCP server still validates).
 *
 * @example
 * ```ts
 * const errors = createArgumentValidator().validate(tool, { device_id: 42 });
 * // [{ pointer: '/arguments/device_id', message: 'must be string' }]
 * ```
 */
export function createArgumentValidator(): ArgumentValidator {
  const ajv = addFormats(new Ajv2020({ allErrors: true, strict: false, validateSchema: false }));
  const compiled = new Map<string, ValidateFunction | null>();
  return {
    validate(tool, args) {
      const text = JSON.stringify(tool.inputSchema);
      let fn = compiled.get(text);
      if (fn === undefined) {
        const { $schema: _ignored, ...schema } = tool.inputSchema as Record<string, unknown>;
        try {
          fn = ajv.compile(schema);
        } catch {
          fn = null;
        }
        compiled.set(text, fn);
      }
      if (fn === null || fn(args)) return undefined;
      return (fn.errors ?? []).map((e) => {
        const missing = e.keyword === 'required' ? `/${String((e.params as { missingProperty?: string }).missingProperty)}` : '';
        const extra = e.keyword === 'additionalProperties' ? `/${String((e.params as { additionalProperty?: string }).additionalProperty)}` : '';
        return { pointer: `/arguments${e.instancePath}${missing}${extra}`, message: e.message ?? 'is invalid' };
      });
    },
  };
}
