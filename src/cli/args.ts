/** Parsers for numeric command-line options, shared so every command rejects bad numbers alike. */
import { InvalidArgumentError } from "commander";

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError("must be a positive integer");
  return Number(value);
}

export function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError("must be a port number (0-65535)");
  return Number(value);
}

/** Seeds are 32-bit integers (the engine's PRNG state); `abc` is refused instead of becoming NaN. */
export function seed(value: string): number {
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError("must be an integer");
  return Number(value);
}

/** Wraps a URL check that throws plain Errors into commander's option error. */
export function urlOption(check: (value: string) => string): (value: string) => string {
  return (value) => {
    try {
      return check(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

/** An http:// or https:// URL (service endpoints such as `--lambda-endpoint`). */
export function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("must be a URL such as http://127.0.0.1:9001");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InvalidArgumentError("must be an http:// or https:// URL");
  return value;
}
