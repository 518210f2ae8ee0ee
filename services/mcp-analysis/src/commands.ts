import { PlatformError } from '@mcp-platform/mcp-common/errors';

/**
 * The command grammar the server enforces in code, independently of the policy's allow-list
 * (defence in depth: a policy mistake alone cannot run a configuration command). A command is
 * refused unless it
 * - is plain ASCII letters, digits, spaces and `. / _ -` (no pipes, redirections, separators,
 *   newlines, tabs, quotes, `$`, backticks or Unicode look-alikes),
 * - starts with the full keyword `show` (so no `conf t`, `sh run`, `reload`),
 * - contains none of {@link CODE_DENIED_WORDS} anywhere, and is at most 8 words of 64 characters.
 */
export const COMMAND_CHARSET = /^[A-Za-z0-9 ./_-]+$/;

/** Words refused anywhere in a command, whatever the policy says. */
export const CODE_DENIED_WORDS: ReadonlySet<string> = new Set([
  'append',
  'archive',
  'clear',
  'configure',
  'copy',
  'debug',
  'delete',
  'erase',
  'format',
  'redirect',
  'reload',
  'request',
  'send',
  'tclsh',
  'tee',
  'terminal',
  'test',
  'undebug',
  'write',
]);

const MAX_WORDS = 8;
const MAX_WORD_LENGTH = 64;

/** A command refused by the server's grammar (`ERR_VALIDATION`, message names the field). */
export class CommandRefusedError extends PlatformError<'ERR_VALIDATION'> {
  constructor(reason: string) {
    super('ERR_VALIDATION', `command: ${reason}`);
  }
}

/**
 * Checks `command` against the grammar and returns its canonical form (single spaces, no
 * leading/trailing space) — the exact text sent to Command Runner.
 *
 * @example
 * ```ts
 * canonicalCommand('  show   interfaces Gi1/0/1 '); // 'show interfaces Gi1/0/1'
 * canonicalCommand('show run | redirect flash:x'); // throws CommandRefusedError
 * ```
 */
export function canonicalCommand(command: unknown): string {
  if (typeof command !== 'string') throw new CommandRefusedError('must be a string');
  if (!COMMAND_CHARSET.test(command)) {
    throw new CommandRefusedError('only letters, digits, spaces and . / _ - are allowed (no pipes, separators, newlines or look-alike characters)');
  }
  const words = command.split(' ').filter((w) => w !== '');
  if (words.length === 0) throw new CommandRefusedError('must not be empty');
  if (words[0]!.toLowerCase() !== 'show') throw new CommandRefusedError('only read-only "show" commands are allowed, spelled out in full');
  if (words.length < 2) throw new CommandRefusedError('"show" needs what to show, e.g. "show version"');
  if (words.length > MAX_WORDS) throw new CommandRefusedError(`at most ${MAX_WORDS} words`);
  if (words.some((w) => w.length > MAX_WORD_LENGTH)) throw new CommandRefusedError(`words are at most ${MAX_WORD_LENGTH} characters`);
  const denied = words.filter((w) => CODE_DENIED_WORDS.has(w.toLowerCase()));
  if (denied.length > 0) throw new CommandRefusedError(`contains denied word(s): ${[...new Set(denied.map((w) => w.toLowerCase()))].join(', ')}`);
  return words.join(' ');
}

/** IOS interface names as Catalyst Center and `show interfaces` print them (e.g. `GigabitEthernet1/0/24`, `Te1/1/1`, `Vlan10`, `Port-channel1`). */
export const INTERFACE_NAME = /^[A-Za-z][A-Za-z-]{0,30}[0-9][0-9/.]{0,15}$/;
