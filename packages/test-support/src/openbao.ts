// Real OpenBao for tests: `bao server -dev` (the binary `pnpm tools ensure` installs).
// The process control lives in scripts/lib/openbao.ts (a repository script, shared with pnpm start).
export { OPENBAO_VERSION, findOpenBao, provisionAppRoles, startDevOpenBao, type DevOpenBao, type StartDevOpenBaoOptions } from '../../../scripts/lib/openbao.ts';
