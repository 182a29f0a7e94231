/**
 * `GET /_pinrec/apps/{app}/segments/{segment}/size` (the console's segment sizes): the endpoints a
 * segment's latest version holds now, for dimensional and imported segments, only for the
 * signer's account, and the same errors as GetSegment for an unknown app or segment.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CreateSegmentCommand, UpdateSegmentCommand, type PinpointClient } from "@aws-sdk/client-pinpoint";
import { ACCOUNT_B, STORE_KINDS, pinpointClient, startTestServer, type TestServer } from "../helpers.js";
import { expectPinpointError, rawRequest } from "../signing.js";
import { createApp, putEndpoints } from "../pinpoint/messaging/send-fixtures.js";

describe.each(STORE_KINDS)("segment sizes on %s", (kind) => {
  let server: TestServer;
  let client: PinpointClient;
  let appId: string;
  const size = (segmentId: string, credential = undefined as typeof ACCOUNT_B | undefined) =>
    rawRequest(server, { method: "GET", path: `/_pinrec/apps/${appId}/segments/${segmentId}/size`, credential });

  beforeAll(async () => {
    server = await startTestServer(kind);
    client = pinpointClient(server);
    appId = await createApp(client);
    await putEndpoints(client, appId, [
      { Id: "a", ChannelType: "EMAIL", Address: "a@example.com", Attributes: { Plan: ["gold"] } },
      { Id: "b", ChannelType: "EMAIL", Address: "b@example.com", Attributes: { Plan: ["gold"] } },
      { Id: "c", ChannelType: "SMS", Address: "+15550000001", Attributes: { Plan: ["free"] } },
    ]);
  });
  afterAll(() => server.dispose());

  test("counts the latest version's endpoints, and follows an update", async () => {
    const created = await client.send(
      new CreateSegmentCommand({
        ApplicationId: appId,
        WriteSegmentRequest: { Name: "gold", Dimensions: { Attributes: { Plan: { AttributeType: "INCLUSIVE", Values: ["gold"] } } } },
      }),
    );
    const id = created.SegmentResponse!.Id!;
    const first = await size(id);
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ SegmentId: id, Version: 1, Size: 2 });
    await client.send(
      new UpdateSegmentCommand({
        ApplicationId: appId,
        SegmentId: id,
        WriteSegmentRequest: { Dimensions: { Attributes: { Plan: { AttributeType: "EXCLUSIVE", Values: ["gold"] } } } },
      }),
    );
    expect((await size(id)).json).toEqual({ SegmentId: id, Version: 2, Size: 1 });
    const all = await client.send(new CreateSegmentCommand({ ApplicationId: appId, WriteSegmentRequest: { Name: "everyone" } }));
    expect((await size(all.SegmentResponse!.Id!)).json.Size).toBe(3);
  });

  test("unknown segments and apps are 404s; another account sees nothing; unsigned is refused", async () => {
    expectPinpointError(await size("0123456789abcdef0123456789abcdef"), 404, "NotFoundException");
    const everyone = await client.send(new CreateSegmentCommand({ ApplicationId: appId, WriteSegmentRequest: { Name: "all" } }));
    expectPinpointError(await size(everyone.SegmentResponse!.Id!, ACCOUNT_B), 404, "NotFoundException");
    expectPinpointError(
      await rawRequest(server, {
        method: "GET",
        path: `/_pinrec/apps/${appId}/segments/${everyone.SegmentResponse!.Id}/size`,
        credential: false,
      }),
      403,
      "MissingAuthenticationTokenException",
    );
  });
});
