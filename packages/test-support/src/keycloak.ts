// Real Keycloak for tests (the distribution `pnpm tools ensure` installs and pre-builds).
// The process control lives in packages/tooling/src/keycloak.ts (@mcp-platform/tooling, shared with pnpm start).
export {
  KEYCLOAK_DEV_ADMIN_PASSWORD,
  KEYCLOAK_VERSION,
  findJava21,
  findKeycloak,
  keycloakAdmin,
  startKeycloak,
  type KeycloakAdmin,
  type RunningKeycloak,
  type StartKeycloakOptions,
} from '@mcp-platform/tooling/keycloak';
