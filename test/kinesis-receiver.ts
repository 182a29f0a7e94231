/**
 * A small server speaking Kinesis Data Streams' JSON protocol (awsJson1_1, `X-Amz-Target:
 * Kinesis_20131202.PutRecords`) on loopback over cleartext HTTP/2, as the Kinesis client talks, for event stream tests: it keeps every record it
 * accepts, decoded, and can be taken down (answering 500 InternalFailure) and back up.
 */
import { createServer } from "node:http2";
import type { AddressInfo } from "node:net";

export interface KinesisReceiver {
  url: string;
  /** Accepted records' data, parsed as JSON, with the stream ARN and partition key of each. */
  records: { streamArn: string; partitionKey: string; data: Record<string, unknown> }[];
  down: boolean;
  /** PutRecords calls answered, including refused ones. */
  calls: number;
  close(): Promise<void>;
}

export async function startKinesisReceiver(): Promise<KinesisReceiver> {
  const receiver: KinesisReceiver = { url: "", records: [], down: false, calls: 0, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      receiver.calls++;
      const answer = (status: number, body: object) => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify(body));
      };
      if (req.headers["x-amz-target"] !== "Kinesis_20131202.PutRecords") return answer(400, { __type: "UnknownOperationException" });
      if (receiver.down) return answer(500, { __type: "InternalFailure", message: "down for the test" });
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        StreamARN: string;
        Records: { Data: string; PartitionKey: string }[];
      };
      for (const r of body.Records)
        receiver.records.push({
          streamArn: body.StreamARN,
          partitionKey: r.PartitionKey,
          data: JSON.parse(Buffer.from(r.Data, "base64").toString("utf8")) as Record<string, unknown>,
        });
      answer(200, {
        FailedRecordCount: 0,
        Records: body.Records.map((_, i) => ({ SequenceNumber: String(receiver.records.length + i), ShardId: "shardId-000000000000" })),
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () => new Promise((r) => server.close(() => r()));
  return receiver;
}
