export { MemoryLogger, type CapturedLine } from './memory-logger.ts';
