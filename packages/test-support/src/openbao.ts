// Real OpenBao for tests: `bao server -dev` (the binary `pnpm tools ensure` installs).
// The process control lives in packages/tooling/src/openbao.ts (@mcp-platform/tooling, shared with pnpm start).
export { OPENBAO_VERSION, findOpenBao, provisionAppRoles, startDevOpenBao, type DevOpenBao, type StartDevOpenBaoOptions } from '@mcp-platform/tooling/openbao';
