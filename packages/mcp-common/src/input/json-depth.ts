import { PlatformError } from '../errors/index.ts';

/** Default deepest nesting of a request body, in levels of `{`/`[` (the JSON-RPC envelope included). */
export const DEFAULT_MAX_JSON_DEPTH = 64;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;

interface Frame {
  array: boolean;
  /** Where the current key's JSON string starts and ends in the body (-1: none yet); read only for an error. */
  keyStart: number;
  keyEnd: number;
  index: number;
}

/** A key as it reads in a path: short, printable; `?` when the slice is not a JSON string. */
function keyText(raw: Buffer): string {
  let key: string;
  try {
    key = JSON.parse(raw.toString('utf8')) as string;
  } catch {
    key = '?';
  }
  // eslint-disable-next-line no-control-regex -- a path in an error message must not carry control characters
  key = key.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return key.length > 40 ? `${key.slice(0, 40)}…` : key;
}

function pathOf(body: Buffer, frames: Frame[]): string {
  let path = '';
  for (const f of frames) {
    if (f.array) path += `[${f.index}]`;
    else if (f.keyStart >= 0) {
      const key = keyText(body.subarray(f.keyStart, f.keyEnd));
      path += path === '' ? key : `.${key}`;
    }
  }
  return path === '' ? '(body)' : path;
}

/**
 * Measures the nesting of a JSON text without parsing it, and throws `ERR_VALIDATION` (with
 * `status: 400`) naming the path where it first goes deeper than `maxDepth`. One linear pass over
 * the bytes, no recursion, nothing allocated per value: a hostile body (`[[[[…` a million deep)
 * is refused before `JSON.parse` and before any recursive code (validation, logging, a
 * `JSON.stringify` on the way upstream) can meet it. Malformed JSON is left for the parser to
 * refuse. Use it as `express.json({ verify: jsonDepthGuard() })`.
 *
 * @example
 * ```ts
 * app.use(express.json({ limit: '1mb', verify: jsonDepthGuard(64) }));
 * // {"params":{"arguments":{"a":[[[[…]]]]}}} → 400 "params.arguments.a[0][0]…: JSON nested deeper than 64 levels"
 * ```
 */
export function jsonDepthGuard(maxDepth: number = DEFAULT_MAX_JSON_DEPTH): (req: unknown, res: unknown, body: Buffer) => void {
  if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new TypeError('maxDepth must be a positive integer');
  return (_req, _res, body) => {
    assertJsonDepth(body, maxDepth);
  };
}

/**
 * The check behind {@link jsonDepthGuard}, for a buffer already in hand.
 *
 * @example
 * ```ts
 * assertJsonDepth(Buffer.from('[[1]]'), 1); // throws ERR_VALIDATION "[0]: JSON nested deeper than 1 levels"
 * ```
 */
export function assertJsonDepth(body: Buffer, maxDepth: number = DEFAULT_MAX_JSON_DEPTH): void {
  const frames: Frame[] = [];
  let inString = false;
  let stringStart = -1;
  // The last JSON string's bounds (a key when a colon follows it).
  let lastStart = -1;
  let lastEnd = -1;
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) {
        inString = false;
        lastStart = stringStart;
        lastEnd = i + 1;
      }
      continue;
    }
    switch (b) {
      case QUOTE:
        inString = true;
        stringStart = i;
        break;
      case COLON: {
        const top = frames[frames.length - 1];
        if (top && !top.array && lastStart >= 0) {
          top.keyStart = lastStart;
          top.keyEnd = lastEnd;
        }
        break;
      }
      case COMMA: {
        const top = frames[frames.length - 1];
        if (top?.array) top.index++;
        break;
      }
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        if (frames.length >= maxDepth) {
          throw Object.assign(new PlatformError('ERR_VALIDATION', `${pathOf(body, frames)}: JSON nested deeper than ${maxDepth} levels`), { status: 400, expose: true });
        }
        frames.push({ array: b === OPEN_ARRAY, keyStart: -1, keyEnd: -1, index: 0 });
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        frames.pop();
        break;
      default:
        break;
    }
  }
}
