import type { Tool } from '@modelcontextprotocol/client';
import { ERROR_CODES } from '@mcp-platform/mcp-common/errors';

/** A backend's tools as one caller sees them (`undefined` when the backend could not be asked). */
export interface BackendTools {
  name: string;
  url: string;
  tools: Tool[] | undefined;
}

/** What the document says about the proxy itself. */
export interface OpenApiInfo {
  publicUrl: string;
  issuer: string;
  version: string;
  scopes: readonly string[];
}

type Schema = Record<string, unknown>;

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

/** JSON Schema keywords that are not part of an OpenAPI 3.1 Schema Object's dialect or that tools add for themselves. */
function clean(schema: unknown): Schema {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return {};
  const { $schema: _ignored, ...rest } = schema as Schema;
  return rest;
}

function problemResponses(statuses: number[]): Record<string, unknown> {
  const descriptions: Record<number, string> = {
    400: 'Invalid request: `errors` lists each field',
    401: 'Missing or invalid bearer token (see `WWW-Authenticate`)',
    403: 'Denied by policy (`reasons`), or the token lacks the scope',
    404: 'Unknown server or tool, or the thing the tool looked for does not exist',
    413: 'Body too large',
    415: 'Body is not JSON',
    422: "The tool failed: `detail` is the tool's message",
    429: 'Rate limit of this client identity exceeded (see `RateLimit` and `Retry-After`)',
    502: 'The MCP server refused the delegated call',
    503: 'The MCP server, its upstream, the identity provider or the policy engine is unavailable (see `Retry-After`)',
    504: 'The MCP server did not answer in time',
  };
  const out: Record<string, unknown> = {};
  for (const s of statuses) {
    out[String(s)] = { description: descriptions[s] ?? 'Error', content: { 'application/problem+json': { schema: PROBLEM_REF } } };
  }
  return out;
}

const COMMON_ERRORS = [401, 403, 429, 503];
const RATE_LIMIT_HEADERS = {
  RateLimit: { description: 'IETF draft-8 rate limit state of this client identity', schema: { type: 'string' } },
  'RateLimit-Policy': { description: 'IETF draft-8 rate limit policy', schema: { type: 'string' } },
};

function toolOperation(server: string, tool: Tool): Schema {
  const input = clean(tool.inputSchema);
  const output = tool.outputSchema ? clean(tool.outputSchema) : { $ref: '#/components/schemas/ToolContent' };
  return {
    operationId: `${server}__${tool.name}`,
    tags: [server],
    summary: tool.title ?? tool.annotations?.title ?? tool.name,
    description: tool.description ?? '',
    ...(tool.annotations?.destructiveHint === true ? { 'x-mcp-destructive': true } : {}),
    ...(tool.annotations?.readOnlyHint === true ? { 'x-mcp-read-only': true } : {}),
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            additionalProperties: false,
            required: ['arguments'],
            properties: { arguments: input },
          },
        },
      },
    },
    responses: {
      '200': {
        description: 'The tool ran; `result` is its structured result',
        headers: RATE_LIMIT_HEADERS,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              additionalProperties: false,
              required: ['status', 'server', 'tool', 'result'],
              properties: {
                status: { const: 'ok' },
                server: { const: server },
                tool: { const: tool.name },
                result: output,
              },
            },
          },
        },
      },
      ...problemResponses([400, ...COMMON_ERRORS, 404, 413, 415, 422, 502, 504]),
    },
  };
}

/**
 * The OpenAPI 3.1 document of the proxy as `tools` shows it: the fixed
 * endpoints, then one operation per tool (`POST /api/v1/mcp/{server}/tools/{tool}`,
 * request and response schemas from the tool's input/output schemas), bearer
 * and OpenID Connect security from the IdP.
 *
 * @example
 * ```ts
 * const doc = buildOpenApi({ publicUrl, issuer, version: '0.1.0', scopes: ['mcp:tools'] }, backendTools);
 * ```
 */
export function buildOpenApi(info: OpenApiInfo, backends: BackendTools[]): Schema {
  const names = backends.map((b) => b.name);
  const paths: Record<string, unknown> = {
    '/api/v1/servers': {
      get: {
        operationId: 'listServers',
        tags: ['proxy'],
        summary: 'MCP servers behind the proxy and their health',
        responses: {
          '200': {
            description: 'Every configured MCP server',
            headers: RATE_LIMIT_HEADERS,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ServerList' } } },
          },
          ...problemResponses(COMMON_ERRORS),
        },
      },
    },
    '/api/v1/mcp/{server}/tools': {
      get: {
        operationId: 'listTools',
        tags: ['proxy'],
        summary: 'The tools the caller may call on one MCP server',
        parameters: [{ name: 'server', in: 'path', required: true, schema: { type: 'string', enum: names } }],
        responses: {
          '200': {
            description: 'Tools with their input and output schemas',
            headers: RATE_LIMIT_HEADERS,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ToolList' } } },
          },
          ...problemResponses([...COMMON_ERRORS, 404, 502, 504]),
        },
      },
    },
  };
  for (const backend of backends) {
    for (const tool of backend.tools ?? []) {
      paths[`/api/v1/mcp/${backend.name}/tools/${tool.name}`] = { post: toolOperation(backend.name, tool) };
    }
  }
  const unavailable = backends.filter((b) => b.tools === undefined).map((b) => b.name);
  return {
    openapi: '3.1.0',
    info: {
      title: 'MCP platform REST proxy',
      version: info.version,
      description:
        'Plain REST + JSON access to the tools of the platform\'s MCP servers, under the same identity, policy and audit as an agent. ' +
        'Bring a bearer token issued for this proxy; the proxy exchanges it (RFC 8693) for a token to the MCP server. ' +
        'This document lists the tools your token may call.' +
        (unavailable.length > 0 ? ` Unavailable while this document was built: ${unavailable.join(', ')}.` : ''),
    },
    servers: [{ url: info.publicUrl }],
    security: [{ bearerAuth: [] }, { openIdConnect: [...info.scopes] }],
    tags: [{ name: 'proxy', description: 'Servers and tool discovery' }, ...names.map((n) => ({ name: n, description: `Tools of MCP server "${n}"` }))],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: `An access token from ${info.issuer} whose audience is ${info.publicUrl}` },
        openIdConnect: { type: 'openIdConnect', openIdConnectUrl: `${info.issuer.replace(/\/$/, '')}/.well-known/openid-configuration` },
      },
      schemas: {
        Problem: {
          type: 'object',
          description: 'RFC 9457 problem details',
          required: ['type', 'title', 'status', 'detail', 'code', 'retryable'],
          properties: {
            type: { type: 'string', format: 'uri' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string', enum: Object.keys(ERROR_CODES), description: 'The platform error code; `type`, `status` and `retryable` are derived from it (docs/errors.md).' },
            instance: { type: 'string' },
            retryable: { type: 'boolean' },
            errors: {
              type: 'array',
              items: { type: 'object', required: ['pointer', 'message'], properties: { pointer: { type: 'string' }, message: { type: 'string' } } },
            },
            reasons: { type: 'array', items: { type: 'string' } },
          },
        },
        ServerList: {
          type: 'object',
          required: ['servers'],
          properties: {
            servers: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name', 'url', 'status', 'breaker'],
                properties: {
                  name: { type: 'string' },
                  url: { type: 'string', format: 'uri' },
                  status: { enum: ['up', 'down'] },
                  breaker: { enum: ['closed', 'open', 'half-open'] },
                },
              },
            },
          },
        },
        ToolList: {
          type: 'object',
          required: ['server', 'tools'],
          properties: {
            server: { type: 'string' },
            tools: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name', 'path', 'inputSchema'],
                properties: {
                  name: { type: 'string' },
                  title: { type: 'string' },
                  description: { type: 'string' },
                  path: { type: 'string' },
                  inputSchema: { type: 'object' },
                  outputSchema: { type: 'object' },
                  annotations: { type: 'object' },
                },
              },
            },
          },
        },
        ToolContent: {
          type: 'object',
          description: 'The MCP content blocks of a tool without a structured result',
          required: ['content'],
          properties: { content: { type: 'array', items: { type: 'object' } } },
        },
      },
    },
  };
}
