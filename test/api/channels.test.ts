/** The email and SMS channel operations and GetChannels, through the real AWS SDK, on both stores. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateAppCommand,
  DeleteAppCommand,
  DeleteEmailChannelCommand,
  DeleteSmsChannelCommand,
  GetChannelsCommand,
  GetEmailChannelCommand,
  GetSmsChannelCommand,
  UpdateEmailChannelCommand,
  UpdateSmsChannelCommand,
  type PinpointClient,
} from "@aws-sdk/client-pinpoint";
import { ChannelService } from "../../src/pinpoint/channels/service.js";
import { ACCOUNT_B, STORE_KINDS, errorOf, pinpointClient, startTestServer, type TestServer } from "../helpers.js";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TENANT = { accountId: "111122223333", region: "us-east-1" };
const IDENTITY = "arn:aws:ses:us-east-1:111122223333:identity/example.com";

describe.each(STORE_KINDS)("channels on %s", (kind) => {
  let server: TestServer;
  let a: PinpointClient;
  let appId: string;
  const newApp = async () =>
    (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "channels" } }))).ApplicationResponse!.Id!;

  beforeAll(async () => {
    server = await startTestServer(kind);
    a = pinpointClient(server);
    appId = await newApp();
  });
  afterAll(async () => {
    await server.dispose();
  });

  test("UpdateEmailChannel stores the channel; GetEmailChannel returns the EmailChannelResponse; versions count updates", async () => {
    const r = await a.send(
      new UpdateEmailChannelCommand({
        ApplicationId: appId,
        EmailChannelRequest: { FromAddress: "News <news@example.com>", Identity: IDENTITY, ConfigurationSet: "cs" },
      }),
    );
    expect(r.$metadata.httpStatusCode).toBe(200);
    const c = r.EmailChannelResponse!;
    expect(c).toMatchObject({
      ApplicationId: appId,
      FromAddress: "News <news@example.com>",
      Identity: IDENTITY,
      ConfigurationSet: "cs",
      Enabled: true,
      Platform: "EMAIL",
      Id: "email",
      IsArchived: false,
      HasCredential: false,
      Version: 1,
    });
    expect(c.CreationDate).toMatch(ISO);
    expect((await a.send(new GetEmailChannelCommand({ ApplicationId: appId }))).EmailChannelResponse).toEqual(c);
    const off = (
      await a.send(
        new UpdateEmailChannelCommand({
          ApplicationId: appId,
          EmailChannelRequest: { FromAddress: "news@example.com", Identity: IDENTITY, Enabled: false },
        }),
      )
    ).EmailChannelResponse!;
    expect(off).toMatchObject({ Enabled: false, Version: 2, CreationDate: c.CreationDate, FromAddress: "news@example.com" });
    expect(off.ConfigurationSet).toBeUndefined();
    const service = new ChannelService(server.store);
    expect(await service.sendable(TENANT, appId, "EMAIL")).toEqual({
      ok: false,
      reason: `The EMAIL channel of application '${appId}' is disabled`,
    });
    await a.send(
      new UpdateEmailChannelCommand({
        ApplicationId: appId,
        EmailChannelRequest: { FromAddress: "news@example.com", Identity: IDENTITY, Enabled: true },
      }),
    );
    expect(await service.sendable(TENANT, appId, "EMAIL")).toEqual({ ok: true });
  });

  test("UpdateSmsChannel keeps members not given; GetSmsChannel returns it", async () => {
    const first = (
      await a.send(new UpdateSmsChannelCommand({ ApplicationId: appId, SMSChannelRequest: { SenderId: "MyCompany", ShortCode: "12345" } }))
    ).SMSChannelResponse!;
    expect(first).toMatchObject({
      ApplicationId: appId,
      Enabled: true,
      SenderId: "MyCompany",
      ShortCode: "12345",
      Platform: "SMS",
      Id: "sms",
      Version: 1,
    });
    const second = (await a.send(new UpdateSmsChannelCommand({ ApplicationId: appId, SMSChannelRequest: { Enabled: false } })))
      .SMSChannelResponse!;
    expect(second).toMatchObject({ Enabled: false, SenderId: "MyCompany", ShortCode: "12345", Version: 2 });
    expect((await a.send(new GetSmsChannelCommand({ ApplicationId: appId }))).SMSChannelResponse).toEqual(second);
  });

  test("GetChannels lists every configured channel's general settings", async () => {
    const r = await a.send(new GetChannelsCommand({ ApplicationId: appId }));
    expect(Object.keys(r.ChannelsResponse!.Channels!).sort()).toEqual(["EMAIL", "SMS"]);
    expect(r.ChannelsResponse!.Channels!.SMS).toEqual({
      ApplicationId: appId,
      CreationDate: expect.stringMatching(ISO),
      Enabled: false,
      HasCredential: false,
      Id: "sms",
      IsArchived: false,
      LastModifiedBy: "111122223333",
      LastModifiedDate: expect.stringMatching(ISO),
      Version: 2,
    });
    const empty = await newApp();
    expect((await a.send(new GetChannelsCommand({ ApplicationId: empty }))).ChannelsResponse!.Channels).toEqual({});
  });

  test("Delete*Channel returns the channel; afterwards reads are NotFoundException", async () => {
    const app = await newApp();
    await a.send(
      new UpdateEmailChannelCommand({ ApplicationId: app, EmailChannelRequest: { FromAddress: "a@example.com", Identity: IDENTITY } }),
    );
    await a.send(new UpdateSmsChannelCommand({ ApplicationId: app, SMSChannelRequest: {} }));
    expect((await a.send(new DeleteEmailChannelCommand({ ApplicationId: app }))).EmailChannelResponse!.FromAddress).toBe("a@example.com");
    expect((await a.send(new DeleteSmsChannelCommand({ ApplicationId: app }))).SMSChannelResponse!.Platform).toBe("SMS");
    for (const op of [
      () => a.send(new GetEmailChannelCommand({ ApplicationId: app })),
      () => a.send(new GetSmsChannelCommand({ ApplicationId: app })),
      () => a.send(new DeleteEmailChannelCommand({ ApplicationId: app })),
      () => a.send(new DeleteSmsChannelCommand({ ApplicationId: app })),
    ]) {
      const e = await errorOf(op);
      expect([e.name, e.$metadata.httpStatusCode, e.message]).toEqual([
        "NotFoundException",
        404,
        expect.stringContaining("is not configured"),
      ]);
    }
    expect(await new ChannelService(server.store).sendable(TENANT, app, "SMS")).toEqual({
      ok: false,
      reason: `The SMS channel of application '${app}' is not configured`,
    });
  });

  test("unknown apps and other accounts' apps are NotFoundException; channels go with their app", async () => {
    const app = await newApp();
    await a.send(
      new UpdateEmailChannelCommand({ ApplicationId: app, EmailChannelRequest: { FromAddress: "a@example.com", Identity: IDENTITY } }),
    );
    const b = pinpointClient(server, ACCOUNT_B);
    for (const op of [
      () => b.send(new GetEmailChannelCommand({ ApplicationId: app })),
      () =>
        b.send(
          new UpdateEmailChannelCommand({ ApplicationId: app, EmailChannelRequest: { FromAddress: "a@example.com", Identity: IDENTITY } }),
        ),
      () => b.send(new UpdateSmsChannelCommand({ ApplicationId: app, SMSChannelRequest: {} })),
      () => b.send(new GetChannelsCommand({ ApplicationId: app })),
    ]) {
      const e = await errorOf(op);
      expect([e.name, e.message]).toEqual(["NotFoundException", `Application '${app}' was not found`]);
    }
    await a.send(new DeleteAppCommand({ ApplicationId: app }));
    expect((await errorOf(() => a.send(new GetEmailChannelCommand({ ApplicationId: app })))).message).toBe(
      `Application '${app}' was not found`,
    );
  });

  test.each<[string, () => UpdateEmailChannelCommand | UpdateSmsChannelCommand, string]>([
    [
      "FromAddress missing",
      () => new UpdateEmailChannelCommand({ ApplicationId: "x", EmailChannelRequest: { Identity: IDENTITY } as never }),
      "FromAddress",
    ],
    [
      "Identity missing",
      () => new UpdateEmailChannelCommand({ ApplicationId: "x", EmailChannelRequest: { FromAddress: "a@example.com" } as never }),
      "Identity",
    ],
    [
      "a FromAddress that is no address",
      () =>
        new UpdateEmailChannelCommand({ ApplicationId: "x", EmailChannelRequest: { FromAddress: "not an address", Identity: IDENTITY } }),
      "FromAddress 'not an address'",
    ],
    [
      "an Identity that is no ARN",
      () =>
        new UpdateEmailChannelCommand({
          ApplicationId: "x",
          EmailChannelRequest: { FromAddress: "a@example.com", Identity: "example.com" },
        }),
      "Identity 'example.com'",
    ],
    [
      "a RoleArn that is no ARN",
      () =>
        new UpdateEmailChannelCommand({
          ApplicationId: "x",
          EmailChannelRequest: { FromAddress: "a@example.com", Identity: IDENTITY, RoleArn: "role" },
        }),
      "RoleArn 'role'",
    ],
    [
      "a SenderId over 11 characters",
      () => new UpdateSmsChannelCommand({ ApplicationId: "x", SMSChannelRequest: { SenderId: "MyCompanyName" } }),
      "SenderId 'MyCompanyName'",
    ],
    [
      "a SenderId of digits only",
      () => new UpdateSmsChannelCommand({ ApplicationId: "x", SMSChannelRequest: { SenderId: "12345" } }),
      "SenderId '12345'",
    ],
    [
      "a ShortCode with letters",
      () => new UpdateSmsChannelCommand({ ApplicationId: "x", SMSChannelRequest: { ShortCode: "12a45" } }),
      "ShortCode '12a45'",
    ],
  ])("%s is a BadRequestException naming the field", async (_name, command, message) => {
    const cmd = command();
    (cmd.input as { ApplicationId: string }).ApplicationId = appId;
    const e = await errorOf(() => a.send(cmd as never));
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(["BadRequestException", 400]);
    expect(e.message).toContain(message);
  });
});
