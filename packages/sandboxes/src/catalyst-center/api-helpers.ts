/** Request/response helpers shared by the simulator's Intent API routes (Catalyst Center's error body, filters, 1-based paging). */
import type { Request, Response } from 'express';

/** Answers with Catalyst Center's error body `{"response":{"errorCode","message","detail"},"version":"1.0"}`. */
export function sendError(res: Response, status: number, errorCode: string, message: string, detail = message): void {
  res.status(status).json({ response: { errorCode, message, detail }, version: '1.0' });
}

/** Query values of `name` (repeated parameters and comma lists both accepted). */
export function queryValues(req: Request, name: string): string[] | undefined {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  const list = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
  return list.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
}

/** Catalyst Center filters match exactly, or as a regular expression when the value uses `.*`. */
export function matches(actual: string | null | undefined, wanted: string[]): boolean {
  if (actual === null || actual === undefined) return false;
  return wanted.some((w) => {
    if (!w.includes('*')) return actual === w;
    const pattern = w
      .split('.*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    return new RegExp(`^${pattern}$`, 'i').test(actual);
  });
}

export interface Paging {
  offset: number;
  limit: number;
}

export function paging(req: Request, res: Response, maxLimit: number): Paging | undefined {
  const offsetRaw = req.query['offset'];
  const limitRaw = req.query['limit'];
  const offset = offsetRaw === undefined ? 1 : Number(offsetRaw);
  const limit = limitRaw === undefined ? maxLimit : Number(limitRaw);
  if (!Number.isInteger(offset) || offset < 1) {
    sendError(res, 400, 'NCND00103', 'Invalid offset', 'offset must be an integer >= 1 (offsets are 1-based)');
    return undefined;
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
    sendError(res, 400, 'NCND00104', 'Invalid limit', `limit must be an integer between 1 and ${maxLimit}`);
    return undefined;
  }
  return { offset, limit };
}

