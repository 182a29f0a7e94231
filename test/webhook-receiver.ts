/** A real HTTP server on loopback that records webhook POSTs and answers as a test tells it to. */
import { createServer, type IncomingHttpHeaders } from "node:http";

export interface WebhookCall {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  calls: WebhookCall[];
  /** The status to answer a call with (default 204); may wait first, to look slow. */
  respond: (call: WebhookCall, index: number) => number | Promise<number>;
  waitFor(pred: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const calls: WebhookCall[] = [];
  const receiver: WebhookReceiver = {
    url: "",
    calls,
    respond: () => 204,
    async waitFor(pred, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms (${calls.length} calls)`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const call = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      calls.push(call);
      const status = await receiver.respond(call, calls.length - 1);
      if (!res.destroyed) res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/pinrec`;
  return receiver;
}
