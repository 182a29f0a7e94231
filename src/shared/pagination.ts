/**
 * Page sizes and continuation tokens shared by every list operation. Tokens are opaque to clients
 * (base64url of a versioned JSON position) and tied to the list they came from, so a token from
 * one list, or any altered token, is a clear 400 instead of a silently wrong page.
 */
import { badRequest } from "./errors.js";

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** `page-size` is a string on the wire (the `page-size` query parameter, type String, in the Amazon
 * Pinpoint API Reference): digits only, at least 1. */
export function parsePageSize(raw: unknown): number {
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  if (typeof raw !== "string" || !/^\d{1,9}$/.test(raw) || Number(raw) < 1) {
    throw badRequest("page-size must be a positive integer");
  }
  return Math.min(Number(raw), MAX_PAGE_SIZE);
}

export function encodeToken(list: string, after: number): string {
  return Buffer.from(JSON.stringify({ v: 1, l: list, a: after })).toString("base64url");
}

export function decodeToken(list: string, raw: unknown): number {
  if (raw === undefined || raw === "") return 0;
  if (typeof raw === "string" && /^[A-Za-z0-9_-]{1,200}$/.test(raw)) {
    try {
      const t = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Record<string, unknown>;
      if (t && t.v === 1 && t.l === list && Number.isSafeInteger(t.a) && (t.a as number) >= 0) return t.a as number;
    } catch {
      // fall through to the error below
    }
  }
  throw badRequest("The pagination token is not valid");
}

/** A list response's `Item` and, when more follow, the `NextToken` to ask for them with. */
export function pageBody<T>(list: string, page: { items: T[]; after?: number }): { Item: T[]; NextToken?: string } {
  return { Item: page.items, ...(page.after !== undefined && { NextToken: encodeToken(list, page.after) }) };
}
