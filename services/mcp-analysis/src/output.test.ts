import { describe, expect, it } from 'vitest';
import { capOutput, outputBudget } from './output.ts';

describe('capOutput', () => {
  it('returns short output untouched', () => {
    expect(capOutput('a\nb', 10)).toEqual({ text: 'a\nb', truncated: false, bytes: 3 });
  });

  it('cuts at the last line break within the budget and says so', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const c = capOutput(text, 50);
    expect(c.truncated).toBe(true);
    expect(c.bytes).toBe(Buffer.byteLength(text));
    const [kept, note] = [c.text.slice(0, c.text.lastIndexOf('\n')), c.text.slice(c.text.lastIndexOf('\n') + 1)];
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(50);
    expect(text.startsWith(kept)).toBe(true);
    expect(note).toBe(`[output truncated: showing ${Buffer.byteLength(kept)} of ${c.bytes} bytes; narrow the command (e.g. show interfaces <name>)]`);
  });

  it('never splits a multi-byte character', () => {
    const c = capOutput('ééééé', 5);
    expect(c.text.startsWith('éé\n') || c.text.startsWith('éé')).toBe(true);
    expect(c.text).not.toContain('\uFFFD');
  });
});

describe('outputBudget', () => {
  it('gives each output at most its share and stops at the total', () => {
    const budget = outputBudget(100, 150);
    const big = 'x'.repeat(40) + '\n' + 'y'.repeat(40) + '\n' + 'z'.repeat(40);
    const a = budget.take(big);
    const b = budget.take(big);
    const c = budget.take(big);
    expect(a.truncated && b.truncated && c.truncated).toBe(true);
    expect(Buffer.byteLength(a.text) + Buffer.byteLength(b.text) + Buffer.byteLength(c.text)).toBeLessThan(150 + 3 * 150);
    expect(c.text).toMatch(/total output limit of this call was reached/);
  });
});
