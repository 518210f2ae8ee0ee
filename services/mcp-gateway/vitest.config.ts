// The shared workspace configuration, with one test file at a time: each file starts the whole
// stack (IdP, OPA, three simulators, three MCP servers as processes) and two at once overload a 2-CPU runner.
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(shared, defineConfig({ test: { fileParallelism: false } }));
