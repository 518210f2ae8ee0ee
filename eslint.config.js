// Shared lint configuration for every workspace package (flat config).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import noPackageEscape from './eslint-rules/no-package-escape.js';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      // Packages meet only through their exports: no `../../other-package/src/…`.
      'mcp-platform/no-package-escape': 'error',
    },
    plugins: { 'mcp-platform': { rules: { 'no-package-escape': noPackageEscape } } },
  },
  {
    // Production code logs through the ECS logger only.
    files: ['packages/*/src/**/*.ts', 'services/*/src/**/*.ts'],
    // test-support and tooling are the tests' and root commands' machinery (pinned binaries honour *_BIN overrides), not services.
    ignores: ['**/*.test.ts', 'packages/test-support/**', 'packages/tooling/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // Only config modules read the environment.
    files: ['packages/*/src/**/*.ts', 'services/*/src/**/*.ts'],
    ignores: ['**/config.ts', '**/config/**', '**/main.ts', '**/*.test.ts', 'packages/test-support/**', 'packages/tooling/**', 'packages/sandboxes/src/bin/**', 'packages/sandboxes/src/internal/bin.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration in config.ts only.' }],
    },
  },
);
