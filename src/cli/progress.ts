/** A progress bar with ETA on a terminal; plain phase lines otherwise (logs, CI). */
import type { ProgressEvent } from "../engine/index.js";

export function progressReporter(stream: NodeJS.WriteStream = process.stderr): { onProgress(e: ProgressEvent): void; done(): void } {
  const tty = Boolean(stream.isTTY);
  let phase = "";
  let started = 0;
  let lastDraw = 0;
  let drawn = false;
  return {
    onProgress(e) {
      const now = performance.now();
      if (e.phase !== phase) {
        if (drawn && tty) stream.write("\n");
        phase = e.phase;
        started = now;
        drawn = false;
        if (!tty) stream.write(`${phase}…\n`);
      }
      if (!tty || (now - lastDraw < 100 && e.done < e.total)) return;
      lastDraw = now;
      const frac = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
      const width = 30;
      const filled = Math.round(frac * width);
      const elapsed = (now - started) / 1000;
      const eta = frac > 0 && frac < 1 ? ` ETA ${Math.ceil((elapsed * (1 - frac)) / frac)}s` : "";
      stream.write(
        `\r${phase.padEnd(20)} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%${eta}   `,
      );
      drawn = true;
    },
    done() {
      if (drawn && tty) stream.write("\n");
    },
  };
}
