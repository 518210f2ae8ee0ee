/**
 * Redaction of the secrets that `show` commands print (`show running-config` style output):
 * passwords and secrets (any encryption type), password hashes, SNMP communities and SNMPv3
 * keys, TACACS+/RADIUS keys, routing-protocol and HSRP/VRRP keys, pre-shared and Wi-Fi keys,
 * private key blocks. Applied to every output before it reaches the caller, and outputs are
 * never logged. The rules err on the side of redacting: a line that names a secret keeps its
 * keyword and loses its value.
 */

/** What a redacted value is replaced with. */
export const REDACTED = '<redacted>';
const REDACTED_SOURCE = '<redacted>';

/** Spaces within one line (never a line break: a rule must not reach into the next line). */
const SP = '[ \\t]+';
/** Optional IOS encryption type before a value (`secret 9 $9$…`, `key 7 0822…`). */
const TYPE = `(?:[0-9]${SP})?`;
const rule = (source: string, flags = 'gi'): RegExp => new RegExp(source, flags);

const RULES: { pattern: RegExp; replace: string }[] = [
  // md5 keys first (`message-digest-key 1 md5 7 <v>`, `ntp authentication-key 1 md5 <v> 7`); `md5 key-string` is left to the key-string rule
  { pattern: rule(`\\b(md5${SP})${TYPE}(?!key-string\\b)[^ \\t\\n]+`), replace: `$1${REDACTED}` },
  // enable secret/password, username … secret/password, line password, neighbor … password,
  // `key-string`, `authentication-key`, `pre-shared-key`, `server-key`
  { pattern: rule(`\\b(secret|password|key-string|authentication-key|pre-shared-key|server-key)(${SP})${TYPE}[^ \\t\\n]+`), replace: `$1$2${REDACTED}` },
  { pattern: rule(`\\b(wpa-psk${SP}(?:ascii|hex)${SP})${TYPE}[^ \\t\\n]+`), replace: `$1${REDACTED}` },
  // `key <value>` at the start of a line (tacacs/radius server blocks, `tacacs-server key`, `radius-server key`, `crypto isakmp key`)
  // (not `key chain NAME`, nor the numeric id of a key-chain entry: ` key 1` alone on its line)
  { pattern: rule(`^([ \\t]*(?:tacacs-server${SP}|radius-server${SP}|crypto${SP}isakmp${SP})?key${SP})(?!chain\\b|[0-9]+[ \\t]*$)${TYPE}[^ \\t\\n]+`, 'gim'), replace: `$1${REDACTED}` },
  // `… key <type> <value>` anywhere else (`server-private 10.1.1.1 key 7 <v>`)
  { pattern: rule(`(?<![\\w-])(key${SP})([0-9]${SP})(?!${REDACTED_SOURCE})[^ \\t\\n]+`), replace: `$1$2${REDACTED}` },
  // SNMP communities, and the community of trap/inform hosts
  { pattern: rule(`\\b(snmp-server${SP}community${SP})[^ \\t\\n]+`), replace: `$1${REDACTED}` },
  {
    pattern: rule(`\\b(snmp-server${SP}host${SP}[^ \\t\\n]+${SP}(?:(?:informs|traps)${SP})?(?:version${SP}(?:1|2c|3${SP}(?:auth|noauth|priv))${SP})?)(?!version\\b|informs\\b|traps\\b)[^ \\t\\n]+`),
    replace: `$1${REDACTED}`,
  },
  // SNMPv3 auth/priv keys
  { pattern: rule(`\\b(auth${SP}(?:md5|sha|sha-2${SP}[0-9]+)${SP})[^ \\t\\n]+`), replace: `$1${REDACTED}` },
  { pattern: rule(`\\b(priv${SP}(?:des|3des|aes(?:${SP}[0-9]+)?)${SP})[^ \\t\\n]+`), replace: `$1${REDACTED}` },
  // Password hashes anywhere ($1$ MD5, $5$/$6$ SHA, $8$ PBKDF2, $9$ scrypt, $14$ …)
  { pattern: /\$(?:1|5|6|8|9|14)\$[^\s]+/g, replace: REDACTED },
];

const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;

/**
 * Redacts secrets in device output and says how many values it removed.
 *
 * @example
 * ```ts
 * redactSecrets('snmp-server community s3cret RO').text; // 'snmp-server community <redacted> RO'
 * ```
 */
export function redactSecrets(text: string): { text: string; redactions: number } {
  let out = text.replace(PRIVATE_KEY_BLOCK, `${REDACTED} (private key)`);
  for (const rule of RULES) out = out.replace(rule.pattern, rule.replace);
  return { text: out, redactions: occurrences(out) - occurrences(text) };
}

const occurrences = (s: string): number => s.split(REDACTED).length - 1;
