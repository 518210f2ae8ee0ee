// Real Keycloak for tests (the distribution `pnpm tools ensure` installs and pre-builds).
// The process control lives in scripts/lib/keycloak.ts (a repository script, shared with pnpm start).
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
} from '../../../scripts/lib/keycloak.ts';
