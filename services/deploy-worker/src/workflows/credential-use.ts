/**
 * The single-use ledger of identity credentials (see `src/identity/ledger.ts`): one workflow per
 * credential fingerprint, id `credential-use-<sha256>`, started with id-reuse policy
 * `REJECT_DUPLICATE`. It stays open until the credential has expired (plus the largest clock skew),
 * so a second start with the same id — a replayed credential — fails even after the namespace's
 * retention ended for closed workflows.
 */
import { sleep } from '@temporalio/workflow';

/** Clock skew the verifier tolerates at most (`OIDC_CLOCK_SKEW_SECONDS` ≤ 300), in ms. */
const MAX_SKEW_MS = 300_000;

/** Holds the credential's id until it can no longer verify. */
export async function credentialUseWorkflow(input: { expiresAtMs: number }): Promise<void> {
  const remaining = input.expiresAtMs + MAX_SKEW_MS - Date.now();
  if (remaining > 0) await sleep(remaining);
}
