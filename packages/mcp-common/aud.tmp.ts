import { Writable } from 'node:stream';
import { createLogger, runWithRequestContext, contextFromHeaders } from './src/logging/index.ts';
const sink = new Writable({ write(_c, _e, cb) { cb(); } });
const logger = createLogger({ serviceName: 'mcp-gateway', serviceVersion: '0.1.0', level: 'info', stream: sink });
const n = 200000;
const ctx = contextFromHeaders({});
runWithRequestContext(ctx, () => {
for (let r = 0; r < 3; r++) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) logger.audit({ action: 'tool-call', category: ['api'], type: ['access'], outcome: 'success', durationNs: 1234567, fields: { user: { id: 'nina', roles: ['network-engineers'] }, client: { id: 'agent-x' }, mcp: { server: 'gateway', tool: 'network__get_device', backend: { server: 'network', tool: 'get_device' } } } });
  console.log('audit', (Number(process.hrtime.bigint() - t) / n / 1000).toFixed(2), 'µs');
}
});
