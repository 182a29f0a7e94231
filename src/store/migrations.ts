/**
 * Schema history, applied in order on start. Never edit a released migration: add the next one.
 * Documents are stored as JSON text so both databases keep them byte-identical.
 */
import type { Migration } from "./sql.js";

export const migrations: Migration[] = [
  {
    version: 1,
    name: "recommender configurations",
    sqlite: `
      CREATE TABLE recommenders (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        id TEXT NOT NULL,
        doc TEXT NOT NULL,
        UNIQUE (account_id, region, id)
      );
      CREATE INDEX recommenders_by_tenant ON recommenders (account_id, region, seq);`,
    postgres: `
      CREATE TABLE recommenders (
        seq BIGSERIAL PRIMARY KEY,
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        id TEXT NOT NULL,
        doc TEXT NOT NULL,
        UNIQUE (account_id, region, id)
      );
      CREATE INDEX recommenders_by_tenant ON recommenders (account_id, region, seq);`,
  },
];
