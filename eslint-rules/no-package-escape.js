// ESLint rule: a relative import must stay inside its own workspace package.
// Packages meet only through their `exports` (`@mcp-platform/<name>/<subpath>`), never `../../other/src`.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const roots = new Map();

/** The directory of the nearest package.json above `file`. */
function packageRoot(file) {
  let dir = dirname(file);
  const start = dir;
  if (roots.has(start)) return roots.get(start);
  for (;;) {
    if (existsSync(resolve(dir, 'package.json'))) break;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  roots.set(start, dir);
  return dir;
}

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'forbid relative imports that leave the importing workspace package' },
    schema: [
      {
        type: 'object',
        properties: { allow: { type: 'array', items: { type: 'string' }, description: 'repository-relative path prefixes still reachable by relative path' } },
        additionalProperties: false,
      },
    ],
    messages: {
      escape: 'Relative import "{{source}}" leaves package {{pkg}}; import the other package through its exports (@mcp-platform/<name>/<subpath>).',
    },
  },
  create(context) {
    const file = context.filename;
    const root = packageRoot(file);
    const allow = context.options[0]?.allow ?? [];
    let name;
    try {
      name = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).name;
    } catch {
      name = relative(REPO, root) || '(root)';
    }
    const check = (node) => {
      const source = node?.value;
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = resolve(dirname(file), source);
      // Inside the importing package (its nearest package.json is the importer's): fine. This also
      // catches the repository root's scripts reaching down into another package's sources.
      if (packageRoot(target) === root) return;
      const fromRepo = relative(REPO, target).split(sep).join('/');
      if (allow.some((prefix) => fromRepo.startsWith(prefix))) return;
      context.report({ node, messageId: 'escape', data: { source, pkg: name } });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
    };
  },
};
