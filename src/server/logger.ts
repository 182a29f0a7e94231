/**
 * The server's one logger, created before anything else: every service is given it at
 * construction, and the HTTP front writes through it too (Fastify's `loggerInstance`).
 */
import { pino, type Logger, type LoggerOptions } from "pino";

/** pino's options (default: level info, JSON lines on stdout), false for none, or a logger of the caller's own. */
export type LoggerSetting = LoggerOptions | false | Logger;

export function createLogger(setting: LoggerSetting | undefined): Logger {
  if (setting === false) return pino({ level: "silent" }, { write() {} });
  if (isLogger(setting)) return setting;
  return pino(setting ?? {});
}

function isLogger(setting: LoggerOptions | Logger | undefined): setting is Logger {
  return typeof (setting as Logger | undefined)?.child === "function";
}
