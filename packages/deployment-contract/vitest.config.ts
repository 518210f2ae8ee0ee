// The shared workspace configuration (vitest.shared.ts at the repository root).
export { default } from '../../vitest.shared.ts';
