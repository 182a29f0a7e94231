/** Every recommender operation and documented error, through the real AWS SDK, on both stores. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateRecommenderConfigurationCommand,
  DeleteRecommenderConfigurationCommand,
  GetRecommenderConfigurationCommand,
  GetRecommenderConfigurationsCommand,
  UpdateRecommenderConfigurationCommand,
  type CreateRecommenderConfigurationShape,
  type PinpointClient,
} from "@aws-sdk/client-pinpoint";
import {
  ACCOUNT_A,
  ACCOUNT_B,
  CAMPAIGN,
  ROLE,
  STORE_KINDS,
  errorOf,
  pinpointClient,
  startTestServer,
  type TestServer,
} from "../helpers.js";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const minimal: CreateRecommenderConfigurationShape = {
  RecommendationProviderUri: CAMPAIGN,
  RecommendationProviderRoleArn: ROLE,
  RecommendationsDisplayName: "Top picks",
};
const withLambda: CreateRecommenderConfigurationShape = {
  Name: "retail recommender",
  Description: "Products (v2); enriched, by Lambda",
  RecommendationProviderUri: CAMPAIGN,
  RecommendationProviderRoleArn: ROLE,
  RecommendationProviderIdType: "PINPOINT_USER_ID",
  RecommendationsPerMessage: 4,
  RecommendationTransformerUri: "arn:aws:lambda:us-east-1:111122223333:function:enrich:live",
  Attributes: { "Recommendations.Name": "Product Name", Price: "Product Price" },
};

async function listAll(client: PinpointClient, pageSize?: string) {
  const items = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const r = await client.send(new GetRecommenderConfigurationsCommand({ PageSize: pageSize, Token: token }));
    items.push(...r.ListRecommenderConfigurationsResponse!.Item!);
    token = r.ListRecommenderConfigurationsResponse!.NextToken;
    pages++;
  } while (token);
  return { items, pages };
}

describe.each(STORE_KINDS)("recommender configurations on %s", (kind) => {
  let server: TestServer;
  let a: PinpointClient;
  beforeAll(async () => {
    server = await startTestServer(kind, { recommenderQuota: 12 });
    a = pinpointClient(server);
  });
  afterAll(async () => {
    await server.dispose();
  });

  test("create fills the documented defaults and answers 201", async () => {
    const r = await a.send(new CreateRecommenderConfigurationCommand({ CreateRecommenderConfiguration: minimal }));
    expect(r.$metadata.httpStatusCode).toBe(201);
    const doc = r.RecommenderConfigurationResponse!;
    expect(doc.Id).toMatch(/^[0-9a-f]{32}$/);
    expect(doc.CreationDate).toMatch(ISO);
    expect(doc.LastModifiedDate).toBe(doc.CreationDate);
    expect(doc).toMatchObject({ ...minimal, RecommendationProviderIdType: "PINPOINT_ENDPOINT_ID", RecommendationsPerMessage: 5 });
    expect(doc.Attributes).toBeUndefined();
    const got = await a.send(new GetRecommenderConfigurationCommand({ RecommenderId: doc.Id }));
    expect(got.$metadata.httpStatusCode).toBe(200);
    expect(got.RecommenderConfigurationResponse).toEqual(doc);
    await a.send(new DeleteRecommenderConfigurationCommand({ RecommenderId: doc.Id }));
  });

  test("a Lambda configuration keeps every member, attribute keys exactly as sent", async () => {
    const r = await a.send(new CreateRecommenderConfigurationCommand({ CreateRecommenderConfiguration: withLambda }));
    expect(r.RecommenderConfigurationResponse).toMatchObject(withLambda);
    expect(r.RecommenderConfigurationResponse!.RecommendationsDisplayName).toBeUndefined();
    await a.send(new DeleteRecommenderConfigurationCommand({ RecommenderId: r.RecommenderConfigurationResponse!.Id }));
  });

  test("update replaces the configuration, keeping Id and CreationDate", async () => {
    const created = (await a.send(new CreateRecommenderConfigurationCommand({ CreateRecommenderConfiguration: withLambda })))
      .RecommenderConfigurationResponse!;
    await new Promise((r) => setTimeout(r, 5));
    const u = await a.send(
      new UpdateRecommenderConfigurationCommand({ RecommenderId: created.Id, UpdateRecommenderConfiguration: minimal }),
    );
    expect(u.$metadata.httpStatusCode).toBe(200);
    const doc = u.RecommenderConfigurationResponse!;
    expect(doc.Id).toBe(created.Id);
    expect(doc.CreationDate).toBe(created.CreationDate);
    expect(doc.LastModifiedDate! > created.LastModifiedDate!).toBe(true);
    // Omitted optional members return to their defaults: a full replacement.
    expect(doc).toEqual({
      ...minimal,
      Id: created.Id,
      CreationDate: created.CreationDate,
      LastModifiedDate: doc.LastModifiedDate,
      RecommendationProviderIdType: "PINPOINT_ENDPOINT_ID",
      RecommendationsPerMessage: 5,
    });
    const got = await a.send(new GetRecommenderConfigurationCommand({ RecommenderId: created.Id }));
    expect(got.RecommenderConfigurationResponse).toEqual(doc);
    await a.send(new DeleteRecommenderConfigurationCommand({ RecommenderId: created.Id }));
  });

  test("delete answers 200 with the deleted object; then it is gone", async () => {
    const created = (await a.send(new CreateRecommenderConfigurationCommand({ CreateRecommenderConfiguration: minimal })))
      .RecommenderConfigurationResponse!;
    const d = await a.send(new DeleteRecommenderConfigurationCommand({ RecommenderId: created.Id }));
    expect(d.$metadata.httpStatusCode).toBe(200);
    expect(d.RecommenderConfigurationResponse).toEqual(created);
    for (const call of [
      () => a.send(new GetRecommenderConfigurationCommand({ RecommenderId: created.Id })),
      () => a.send(new DeleteRecommenderConfigurationCommand({ RecommenderId: created.Id })),
      () => a.send(new UpdateRecommenderConfigurationCommand({ RecommenderId: created.Id, UpdateRecommenderConfiguration: minimal })),
    ]) {
      const err = await errorOf(call);
      expect(err.name).toBe("NotFoundException");
      expect(err.$metadata.httpStatusCode).toBe(404);
    }
  });

  test("ids with reserved characters round-trip through the path (404, not a routing error)", async () => {
    const err = await errorOf(() => a.send(new GetRecommenderConfigurationCommand({ RecommenderId: "id/with slash?x=1&y" })));
    expect(err.name).toBe("NotFoundException");
    expect(err.message).toContain("id/with slash?x=1&y");
  });

  test("pagination: opaque tokens walk every page exactly once, in creation order", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await a.send(
        new CreateRecommenderConfigurationCommand({ CreateRecommenderConfiguration: { ...minimal, Name: `page-${i}` } }),
      );
      ids.push(r.RecommenderConfigurationResponse!.Id!);
    }
    const { items, pages } = await listAll(a, "3");
    expect(items.map((i) => i.Id)).toEqual(ids);
    expect(pages).toBe(3);
    const one = await a.send(new GetRecommenderConfigurationsCommand({ PageSize: "7" }));
    expect(one.ListRecommenderConfigurationsResponse!.Item).toHaveLength(7);
    expect(one.ListRecommenderConfigurationsResponse!.NextToken).toBeUndefined();
    for (const bad of ["0", "-1", "abc", "1.5", ""]) {
      const err = await errorOf(() => a.send(new GetRecommenderConfigurationsCommand({ PageSize: bad })));
      expect([bad, err.name]).toEqual([bad, "BadRequestException"]);
    }
    for (const bad of ["not-a-token", "eyJ2IjoxLCJsIjoiYXBwcyIsImEiOjF9", "%%%", "x".repeat(500)]) {
      const err = await errorOf(() => a.send(new GetRecommenderConfigurationsCommand({ Token: bad })));
      expect([bad, err.name]).toEqual([bad, "BadRequestException"]);
    }
    for (const id of ids) await a.send(new DeleteRecommenderConfigurationCommand({ RecommenderId: id }));
  });

  test("tenants: another account, or another region, sees and changes nothing", async () => {
    const created = (await a.send(new CreateRecommenderConfigurationCommand({ CreateRecommenderConfiguration: minimal })))
      .RecommenderConfigurationResponse!;
    for (const other of [pinpointClient(server, ACCOUNT_B), pinpointClient(server, ACCOUNT_A, "eu-west-1")]) {
      const list = await other.send(new GetRecommenderConfigurationsCommand({}));
      expect(list.ListRecommenderConfigurationsResponse!.Item).toEqual([]);
      for (const call of [
        () => other.send(new GetRecommenderConfigurationCommand({ RecommenderId: created.Id })),
        () =>
          other.send(new UpdateRecommenderConfigurationCommand({ RecommenderId: created.Id, UpdateRecommenderConfiguration: withLambda })),
        () => other.send(new DeleteRecommenderConfigurationCommand({ RecommenderId: created.Id })),
      ]) {
        expect((await errorOf(call)).name).toBe("NotFoundException");
      }
    }
    const still = await a.send(new GetRecommenderConfigurationCommand({ RecommenderId: created.Id }));
    expect(still.RecommenderConfigurationResponse).toEqual(created);
    await a.send(new DeleteRecommenderConfigurationCommand({ RecommenderId: created.Id }));
  });

  const invalid: [string, Record<string, unknown>][] = [
    ["missing provider uri", { RecommendationProviderUri: undefined }],
    ["missing role", { RecommendationProviderRoleArn: undefined }],
    ["uri not a campaign", { RecommendationProviderUri: "arn:aws:personalize:us-east-1:111122223333:recommender/x" }],
    ["uri not an arn", { RecommendationProviderUri: "movies" }],
    ["role not a role", { RecommendationProviderRoleArn: "arn:aws:iam::111122223333:user/bob" }],
    ["role bad account", { RecommendationProviderRoleArn: "arn:aws:iam::1234:role/r" }],
    ["name starts with a symbol", { Name: "-movies" }],
    ["name too long", { Name: "a".repeat(129) }],
    ["name with a dot", { Name: "movies.v2" }],
    ["description with a symbol", { Description: "50% off!" }],
    ["description too long", { Description: "d".repeat(129) }],
    ["unknown id type", { RecommendationProviderIdType: "PINPOINT_DEVICE_ID" }],
    ["per message 6", { RecommendationsPerMessage: 6 }],
    ["per message negative", { RecommendationsPerMessage: -1 }],
    ["per message fraction", { RecommendationsPerMessage: 2.5 }],
    ["display name too long", { RecommendationsDisplayName: "x".repeat(26) }],
    ["display name symbol", { RecommendationsDisplayName: "Top picks!" }],
    ["no display name without transformer", { RecommendationsDisplayName: undefined }],
    ["attributes without transformer", { Attributes: { Title: "Title" } }],
    ["transformer without attributes", { RecommendationTransformerUri: "enrich" }],
    ["transformer with 0 attributes", { RecommendationTransformerUri: "enrich", Attributes: {} }],
    [
      "transformer with 11 attributes",
      { RecommendationTransformerUri: "enrich", Attributes: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, `A${i}`])) },
    ],
    ["attribute name too long", { RecommendationTransformerUri: "enrich", Attributes: { ["n".repeat(51)]: "N" } }],
    ["attribute name bad char", { RecommendationTransformerUri: "enrich", Attributes: { "Recommendations.Na me": "N" } }],
    ["attribute name twice", { RecommendationTransformerUri: "enrich", Attributes: { "Recommendations.Name": "N", Name: "M" } }],
    ["attribute display too long", { RecommendationTransformerUri: "enrich", Attributes: { Name: "d".repeat(26) } }],
    ["transformer not a function", { RecommendationTransformerUri: "arn:aws:s3:::bucket", Attributes: { Name: "Name" } }],
  ];

  test.each(invalid)("400 BadRequestException and nothing stored: %s", async (_label, change) => {
    const before = (await listAll(a)).items.length;
    const body = { ...minimal, ...change } as CreateRecommenderConfigurationShape;
    const err = await errorOf(() => a.send(new CreateRecommenderConfigurationCommand({ CreateRecommenderConfiguration: body })));
    expect(err.name).toBe("BadRequestException");
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message.length).toBeGreaterThan(10);
    expect((await listAll(a)).items.length).toBe(before);
    // Update applies the same rules and leaves the stored configuration untouched.
    const created = (await a.send(new CreateRecommenderConfigurationCommand({ CreateRecommenderConfiguration: minimal })))
      .RecommenderConfigurationResponse!;
    const uerr = await errorOf(() =>
      a.send(new UpdateRecommenderConfigurationCommand({ RecommenderId: created.Id, UpdateRecommenderConfiguration: body })),
    );
    expect(uerr.name).toBe("BadRequestException");
    expect((await a.send(new GetRecommenderConfigurationCommand({ RecommenderId: created.Id }))).RecommenderConfigurationResponse).toEqual(
      created,
    );
    await a.send(new DeleteRecommenderConfigurationCommand({ RecommenderId: created.Id }));
  });

  test("lenient forms that AWS samples use are accepted", async () => {
    const ok: CreateRecommenderConfigurationShape[] = [
      { ...minimal, RecommendationsPerMessage: 0 }, // some generated SDKs send 0 for unset
      { ...minimal, Description: "Films ‐ hyphen; (v1), a_b" },
      { ...minimal, Name: "Movies for you 2" },
      { ...minimal, RecommendationProviderRoleArn: "arn:aws:iam::111122223333:role/service-role/path/Pinpoint+Role=1,x.y@z" },
      { ...withLambda, RecommendationTransformerUri: "enrich" },
      { ...withLambda, RecommendationTransformerUri: "111122223333:function:enrich" },
      { ...withLambda, RecommendationsDisplayName: "Picks" },
    ];
    for (const body of ok) {
      const r = await a.send(new CreateRecommenderConfigurationCommand({ CreateRecommenderConfiguration: body }));
      expect(r.RecommenderConfigurationResponse!.RecommendationsPerMessage).toBe(body.RecommendationsPerMessage || 5);
      await a.send(new DeleteRecommenderConfigurationCommand({ RecommenderId: r.RecommenderConfigurationResponse!.Id }));
    }
  });

  test("the per-account quota is enforced with a BadRequestException and counts per tenant", async () => {
    const ids: string[] = [];
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => a.send(new CreateRecommenderConfigurationCommand({ CreateRecommenderConfiguration: minimal }))),
    );
    for (const r of results) if (r.status === "fulfilled") ids.push(r.value.RecommenderConfigurationResponse!.Id!);
    expect(ids).toHaveLength(12);
    const rejected = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    expect(rejected.map((r) => r.reason.name)).toEqual(Array(8).fill("BadRequestException"));
    expect(rejected[0].reason.message).toMatch(/quota/);
    expect((await listAll(a, "5")).items).toHaveLength(12);
    // Another tenant has its own quota.
    const b = pinpointClient(server, ACCOUNT_B);
    const rb = await b.send(new CreateRecommenderConfigurationCommand({ CreateRecommenderConfiguration: minimal }));
    await b.send(new DeleteRecommenderConfigurationCommand({ RecommenderId: rb.RecommenderConfigurationResponse!.Id }));
    // Deleting frees a slot.
    await a.send(new DeleteRecommenderConfigurationCommand({ RecommenderId: ids.pop() }));
    ids.push(
      (await a.send(new CreateRecommenderConfigurationCommand({ CreateRecommenderConfiguration: minimal })))
        .RecommenderConfigurationResponse!.Id!,
    );
    for (const id of ids) await a.send(new DeleteRecommenderConfigurationCommand({ RecommenderId: id }));
  });
});
