/**
 * The 21 push channel operations (GCM, four APNs kinds, Baidu, ADM) and GetChannels, through the
 * real AWS SDK on both stores: credentials are accepted, checked, never returned, and sealed at rest.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import pg from "pg";
import Database from "better-sqlite3";
import { join } from "node:path";
import {
  CreateAppCommand,
  DeleteAdmChannelCommand,
  DeleteApnsChannelCommand,
  DeleteApnsSandboxChannelCommand,
  DeleteApnsVoipChannelCommand,
  DeleteApnsVoipSandboxChannelCommand,
  DeleteBaiduChannelCommand,
  DeleteGcmChannelCommand,
  GetAdmChannelCommand,
  GetApnsChannelCommand,
  GetApnsSandboxChannelCommand,
  GetApnsVoipChannelCommand,
  GetApnsVoipSandboxChannelCommand,
  GetBaiduChannelCommand,
  GetChannelsCommand,
  GetGcmChannelCommand,
  UpdateAdmChannelCommand,
  UpdateApnsChannelCommand,
  UpdateApnsSandboxChannelCommand,
  UpdateApnsVoipChannelCommand,
  UpdateApnsVoipSandboxChannelCommand,
  UpdateBaiduChannelCommand,
  UpdateGcmChannelCommand,
  type APNSChannelRequest,
  type PinpointClient,
} from "@aws-sdk/client-pinpoint";
import { ACCOUNT_B, PG_URL, STORE_KINDS, errorOf, pinpointClient, startTestServer, type TestServer } from "../helpers.js";
import { apnsTokenKey, certificate, serviceAccount } from "../push-fixtures.js";

const TENANT = { accountId: "111122223333", region: "us-east-1" };
const sa = serviceAccount();
const tokenKey = apnsTokenKey();
let cert: { cert: string; key: string };

/** Every credential string the tests hand over: none may appear in a response or in the database in clear. */
const SECRETS = () => [
  sa.json.private_key.split("\n")[1],
  tokenKey.pem.split("\n")[1],
  cert.key.split("\n")[1],
  "baidu-secret-key",
  "adm-client-secret",
  "legacy-api-key",
];

type ApnsKind = {
  name: string;
  type: string;
  update: (app: string, r: APNSChannelRequest) => Promise<Record<string, unknown>>;
  get: (app: string) => Promise<Record<string, unknown>>;
  del: (app: string) => Promise<Record<string, unknown>>;
};

describe.each(STORE_KINDS)("push channels on %s", (kind) => {
  let server: TestServer;
  let a: PinpointClient;
  const newApp = async () => (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "push" } }))).ApplicationResponse!.Id!;

  beforeAll(async () => {
    cert = await certificate("com.example.app");
    server = await startTestServer(kind);
    a = pinpointClient(server);
  });
  afterAll(async () => {
    await server.dispose();
  });

  /** Every stored channel row's columns, as text: what someone reading the database sees. */
  async function rawRows(): Promise<string> {
    if (kind === "sqlite") {
      const db = new Database(join(server.dataDir, "pinrec.db"), { readonly: true });
      try {
        return JSON.stringify(db.prepare("SELECT * FROM channels").all());
      } finally {
        db.close();
      }
    }
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      return JSON.stringify((await c.query(`SELECT * FROM ${server.schema}.channels`)).rows);
    } finally {
      await c.end();
    }
  }

  test("UpdateGcmChannel takes a service account; Get returns HasFcmServiceCredentials, never ServiceJson; versions count", async () => {
    const app = await newApp();
    const r = (await a.send(new UpdateGcmChannelCommand({ ApplicationId: app, GCMChannelRequest: { ServiceJson: sa.text } })))
      .GCMChannelResponse!;
    expect(r).toEqual({
      ApplicationId: app,
      CreationDate: expect.any(String),
      DefaultAuthenticationMethod: "TOKEN",
      Enabled: true,
      HasCredential: true,
      HasFcmServiceCredentials: true,
      Id: "gcm",
      IsArchived: false,
      LastModifiedBy: TENANT.accountId,
      LastModifiedDate: expect.any(String),
      Platform: "GCM",
      Version: 1,
    });
    expect((await a.send(new GetGcmChannelCommand({ ApplicationId: app }))).GCMChannelResponse).toEqual(r);
    // Disabling keeps the stored service account.
    const off = (await a.send(new UpdateGcmChannelCommand({ ApplicationId: app, GCMChannelRequest: { Enabled: false } })))
      .GCMChannelResponse!;
    expect(off).toMatchObject({ Enabled: false, Version: 2, HasFcmServiceCredentials: true, CreationDate: r.CreationDate });
    expect(await server.store.channels.getSecrets(TENANT, app, "GCM")).toEqual({ ServiceJson: sa.text });
    // A legacy key alongside: both flags; KEY stays refused without one.
    const both = (
      await a.send(
        new UpdateGcmChannelCommand({
          ApplicationId: app,
          GCMChannelRequest: { ApiKey: "legacy-api-key", DefaultAuthenticationMethod: "key" },
        }),
      )
    ).GCMChannelResponse!;
    expect(both).toMatchObject({ DefaultAuthenticationMethod: "KEY", HasCredential: true, HasFcmServiceCredentials: true, Version: 3 });
    expect(JSON.stringify(both)).not.toContain("legacy-api-key");
    expect((await a.send(new DeleteGcmChannelCommand({ ApplicationId: app }))).GCMChannelResponse!.Platform).toBe("GCM");
    const e = await errorOf(() => a.send(new GetGcmChannelCommand({ ApplicationId: app })));
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(["NotFoundException", 404]);
    expect(await server.store.channels.getSecrets(TENANT, app, "GCM")).toBeUndefined();
  });

  const apnsKinds = (): ApnsKind[] => [
    {
      name: "APNS",
      type: "APNS",
      update: async (app, r) =>
        (await a.send(new UpdateApnsChannelCommand({ ApplicationId: app, APNSChannelRequest: r }))).APNSChannelResponse as never,
      get: async (app) => (await a.send(new GetApnsChannelCommand({ ApplicationId: app }))).APNSChannelResponse as never,
      del: async (app) => (await a.send(new DeleteApnsChannelCommand({ ApplicationId: app }))).APNSChannelResponse as never,
    },
    {
      name: "APNS_SANDBOX",
      type: "APNS_SANDBOX",
      update: async (app, r) =>
        (await a.send(new UpdateApnsSandboxChannelCommand({ ApplicationId: app, APNSSandboxChannelRequest: r })))
          .APNSSandboxChannelResponse as never,
      get: async (app) => (await a.send(new GetApnsSandboxChannelCommand({ ApplicationId: app }))).APNSSandboxChannelResponse as never,
      del: async (app) => (await a.send(new DeleteApnsSandboxChannelCommand({ ApplicationId: app }))).APNSSandboxChannelResponse as never,
    },
    {
      name: "APNS_VOIP",
      type: "APNS_VOIP",
      update: async (app, r) =>
        (await a.send(new UpdateApnsVoipChannelCommand({ ApplicationId: app, APNSVoipChannelRequest: r })))
          .APNSVoipChannelResponse as never,
      get: async (app) => (await a.send(new GetApnsVoipChannelCommand({ ApplicationId: app }))).APNSVoipChannelResponse as never,
      del: async (app) => (await a.send(new DeleteApnsVoipChannelCommand({ ApplicationId: app }))).APNSVoipChannelResponse as never,
    },
    {
      name: "APNS_VOIP_SANDBOX",
      type: "APNS_VOIP_SANDBOX",
      update: async (app, r) =>
        (await a.send(new UpdateApnsVoipSandboxChannelCommand({ ApplicationId: app, APNSVoipSandboxChannelRequest: r })))
          .APNSVoipSandboxChannelResponse as never,
      get: async (app) =>
        (await a.send(new GetApnsVoipSandboxChannelCommand({ ApplicationId: app }))).APNSVoipSandboxChannelResponse as never,
      del: async (app) =>
        (await a.send(new DeleteApnsVoipSandboxChannelCommand({ ApplicationId: app }))).APNSVoipSandboxChannelResponse as never,
    },
  ];

  test("the four APNs channels: token auth, then a certificate too; Has* flags, no credential back", async () => {
    const app = await newApp();
    for (const k of apnsKinds()) {
      const token = await k.update(app, {
        TokenKey: tokenKey.pem,
        TokenKeyId: "ABC123DEFG",
        TeamId: "TEAM123456",
        BundleId: "com.example.app",
      });
      expect(token).toEqual({
        ApplicationId: app,
        CreationDate: expect.any(String),
        DefaultAuthenticationMethod: "TOKEN",
        Enabled: true,
        HasCredential: true,
        HasTokenKey: true,
        Id: k.type.toLowerCase(),
        IsArchived: false,
        LastModifiedBy: TENANT.accountId,
        LastModifiedDate: expect.any(String),
        Platform: k.type,
        Version: 1,
      });
      expect(await k.get(app)).toEqual(token);
      const withCert = await k.update(app, { Certificate: cert.cert, PrivateKey: cert.key, DefaultAuthenticationMethod: "CERTIFICATE" });
      expect(withCert).toMatchObject({ DefaultAuthenticationMethod: "CERTIFICATE", HasTokenKey: true, Version: 2 });
      expect(await server.store.channels.getSecrets(TENANT, app, k.type)).toEqual({
        TokenKey: tokenKey.pem,
        TokenKeyId: "ABC123DEFG",
        TeamId: "TEAM123456",
        BundleId: "com.example.app",
        Certificate: cert.cert,
        PrivateKey: cert.key,
      });
    }
    await a.send(
      new UpdateBaiduChannelCommand({
        ApplicationId: app,
        BaiduChannelRequest: { ApiKey: "baidu-api-key", SecretKey: "baidu-secret-key" },
      }),
    );
    await a.send(
      new UpdateAdmChannelCommand({ ApplicationId: app, ADMChannelRequest: { ClientId: "adm-client", ClientSecret: "adm-client-secret" } }),
    );
    await a.send(new UpdateGcmChannelCommand({ ApplicationId: app, GCMChannelRequest: { ServiceJson: sa.text } }));
    expect((await a.send(new GetBaiduChannelCommand({ ApplicationId: app }))).BaiduChannelResponse).toMatchObject({
      Platform: "BAIDU",
      Id: "baidu",
      HasCredential: true,
    });
    expect((await a.send(new GetAdmChannelCommand({ ApplicationId: app }))).ADMChannelResponse).toMatchObject({
      Platform: "ADM",
      Id: "adm",
      HasCredential: true,
    });
    const channels = (await a.send(new GetChannelsCommand({ ApplicationId: app }))).ChannelsResponse!.Channels!;
    expect(Object.keys(channels).sort()).toEqual(["ADM", "APNS", "APNS_SANDBOX", "APNS_VOIP", "APNS_VOIP_SANDBOX", "BAIDU", "GCM"]);
    expect(channels.GCM).toMatchObject({ HasCredential: true, Enabled: true, Id: "gcm" });
    // No response and no stored column holds a credential in clear.
    const everything = JSON.stringify(channels) + JSON.stringify(await Promise.all(apnsKinds().map((k) => k.get(app)))) + (await rawRows());
    for (const s of SECRETS().filter((x) => !x.includes("legacy"))) expect(everything).not.toContain(s);
    expect(await rawRows()).toContain('"secrets":"v1.');
    for (const k of apnsKinds()) expect((await k.del(app)).Platform).toBe(k.type);
    await a.send(new DeleteBaiduChannelCommand({ ApplicationId: app }));
    await a.send(new DeleteAdmChannelCommand({ ApplicationId: app }));
    expect(Object.keys((await a.send(new GetChannelsCommand({ ApplicationId: app }))).ChannelsResponse!.Channels!)).toEqual(["GCM"]);
  });

  test("a sealed credential is bound to its row: copied onto another app's row, it does not open", async () => {
    const one = await newApp();
    const two = await newApp();
    await a.send(new UpdateGcmChannelCommand({ ApplicationId: one, GCMChannelRequest: { ServiceJson: sa.text } }));
    await a.send(new UpdateGcmChannelCommand({ ApplicationId: two, GCMChannelRequest: { ApiKey: "other" } }));
    const sql =
      kind === "sqlite"
        ? "UPDATE channels SET secrets = (SELECT secrets FROM channels WHERE app_id = ?) WHERE app_id = ?"
        : `UPDATE ${server.schema}.channels SET secrets = (SELECT secrets FROM ${server.schema}.channels WHERE app_id = $1) WHERE app_id = $2`;
    if (kind === "sqlite") {
      const db = new Database(join(server.dataDir, "pinrec.db"));
      db.prepare(sql).run(one, two);
      db.close();
    } else {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(sql, [one, two]);
      await c.end();
    }
    await expect(server.store.channels.getSecrets(TENANT, two, "GCM")).rejects.toThrow();
    expect(await server.store.channels.getSecrets(TENANT, one, "GCM")).toEqual({ ServiceJson: sa.text });
  });

  test.each<[string, (app: string) => Promise<unknown>, string]>([
    [
      "ServiceJson not JSON",
      (app) => a.send(new UpdateGcmChannelCommand({ ApplicationId: app, GCMChannelRequest: { ServiceJson: "{nope" } })),
      "ServiceJson is not JSON",
    ],
    [
      "ServiceJson not a service account",
      (app) =>
        a.send(
          new UpdateGcmChannelCommand({
            ApplicationId: app,
            GCMChannelRequest: { ServiceJson: JSON.stringify({ ...sa.json, type: "user" }) },
          }),
        ),
      "ServiceJson.type",
    ],
    [
      "ServiceJson without a project",
      (app) =>
        a.send(
          new UpdateGcmChannelCommand({
            ApplicationId: app,
            GCMChannelRequest: { ServiceJson: JSON.stringify({ ...sa.json, project_id: undefined }) },
          }),
        ),
      "ServiceJson has no project_id",
    ],
    [
      "ServiceJson with a broken key",
      (app) =>
        a.send(
          new UpdateGcmChannelCommand({
            ApplicationId: app,
            GCMChannelRequest: {
              ServiceJson: JSON.stringify({ ...sa.json, private_key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----" }),
            },
          }),
        ),
      "ServiceJson.private_key is not a PEM private key",
    ],
    [
      "GCM without credentials",
      (app) => a.send(new UpdateGcmChannelCommand({ ApplicationId: app, GCMChannelRequest: { Enabled: true } })),
      "ServiceJson",
    ],
    [
      "a GCM DefaultAuthenticationMethod that is not KEY or TOKEN",
      (app) =>
        a.send(
          new UpdateGcmChannelCommand({
            ApplicationId: app,
            GCMChannelRequest: { ServiceJson: sa.text, DefaultAuthenticationMethod: "PASSWORD" },
          }),
        ),
      "DefaultAuthenticationMethod 'PASSWORD'",
    ],
    [
      "TokenKey not a PEM key",
      (app) =>
        a.send(
          new UpdateApnsChannelCommand({
            ApplicationId: app,
            APNSChannelRequest: { TokenKey: "abc", TokenKeyId: "ABC123DEFG", TeamId: "TEAM123456", BundleId: "b" },
          }),
        ),
      "TokenKey is not a PEM private key",
    ],
    [
      "TokenKey an RSA key",
      (app) =>
        a.send(
          new UpdateApnsChannelCommand({
            ApplicationId: app,
            APNSChannelRequest: { TokenKey: sa.json.private_key, TokenKeyId: "ABC123DEFG", TeamId: "TEAM123456", BundleId: "b" },
          }),
        ),
      "TokenKey must be an EC P-256",
    ],
    [
      "a TeamId of the wrong shape",
      (app) =>
        a.send(
          new UpdateApnsSandboxChannelCommand({
            ApplicationId: app,
            APNSSandboxChannelRequest: { TokenKey: tokenKey.pem, TokenKeyId: "ABC123DEFG", TeamId: "team", BundleId: "b" },
          }),
        ),
      "TeamId 'team'",
    ],
    [
      "a Certificate without its PrivateKey",
      (app) => a.send(new UpdateApnsVoipChannelCommand({ ApplicationId: app, APNSVoipChannelRequest: { Certificate: cert.cert } })),
      "Certificate and PrivateKey",
    ],
    [
      "a Certificate that is not one",
      (app) =>
        a.send(
          new UpdateApnsVoipSandboxChannelCommand({
            ApplicationId: app,
            APNSVoipSandboxChannelRequest: { Certificate: "nope", PrivateKey: cert.key },
          }),
        ),
      "Certificate is not a PEM X.509 certificate",
    ],
    [
      "a PrivateKey of another certificate",
      (app) =>
        a.send(
          new UpdateApnsChannelCommand({
            ApplicationId: app,
            APNSChannelRequest: { Certificate: cert.cert, PrivateKey: sa.json.private_key },
          }),
        ),
      "PrivateKey does not belong to Certificate",
    ],
    [
      "Baidu without SecretKey",
      (app) => a.send(new UpdateBaiduChannelCommand({ ApplicationId: app, BaiduChannelRequest: { ApiKey: "k" } as never })),
      "SecretKey",
    ],
    [
      "ADM without ClientSecret",
      (app) => a.send(new UpdateAdmChannelCommand({ ApplicationId: app, ADMChannelRequest: { ClientId: "k" } as never })),
      "ClientSecret",
    ],
  ])("%s → 400 naming the member", async (_, call, message) => {
    const app = await newApp();
    const e = await errorOf(() => call(app));
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(["BadRequestException", 400]);
    expect(e.message).toContain(message);
  });

  test("a bad credential leaves the stored channel as it was; APNs token auth needs all its members", async () => {
    const app = await newApp();
    const first = (await a.send(new UpdateGcmChannelCommand({ ApplicationId: app, GCMChannelRequest: { ServiceJson: sa.text } })))
      .GCMChannelResponse!;
    expect(
      (await errorOf(() => a.send(new UpdateGcmChannelCommand({ ApplicationId: app, GCMChannelRequest: { ServiceJson: "[]" } })))).name,
    ).toBe("BadRequestException");
    expect((await a.send(new GetGcmChannelCommand({ ApplicationId: app }))).GCMChannelResponse).toEqual(first);
    const e = await errorOf(() =>
      a.send(new UpdateApnsChannelCommand({ ApplicationId: app, APNSChannelRequest: { TokenKey: tokenKey.pem, TeamId: "TEAM123456" } })),
    );
    expect([e.name, e.message]).toEqual(["BadRequestException", "Token authentication (TokenKey) needs TokenKeyId"]);
    expect((await errorOf(() => a.send(new GetApnsChannelCommand({ ApplicationId: app })))).name).toBe("NotFoundException");
  });

  test("unknown apps and other accounts' apps are NotFoundException", async () => {
    const app = await newApp();
    await a.send(new UpdateGcmChannelCommand({ ApplicationId: app, GCMChannelRequest: { ServiceJson: sa.text } }));
    const b = pinpointClient(server, ACCOUNT_B);
    for (const op of [
      () => b.send(new GetGcmChannelCommand({ ApplicationId: app })),
      () => b.send(new UpdateGcmChannelCommand({ ApplicationId: app, GCMChannelRequest: { ServiceJson: sa.text } })),
      () => b.send(new DeleteGcmChannelCommand({ ApplicationId: app })),
      () => a.send(new GetApnsChannelCommand({ ApplicationId: "0123456789abcdef0123456789abcdef" })),
    ]) {
      const e = await errorOf(op);
      expect([e.name, e.$metadata.httpStatusCode, e.message]).toEqual(["NotFoundException", 404, expect.stringMatching(/was not found/)]);
    }
    expect((await a.send(new GetGcmChannelCommand({ ApplicationId: app }))).GCMChannelResponse!.Version).toBe(1);
  });
});
