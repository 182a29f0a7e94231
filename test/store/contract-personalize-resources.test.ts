/**
 * The store contract for Amazon Personalize's control-plane resources, on both adapters: one row
 * per ARN and tenant, quotas counted exactly, deletes refused while something uses the row, and
 * job rows held by one worker at a time under a lease that another takes over once it runs out.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { PersonalizeResource } from "../../src/store/personalize-resources.js";
import type { Store, Tenant } from "../../src/store/types.js";
import { STORE_KINDS, suiteStore, type SuiteStore } from "../helpers.js";

const T1: Tenant = { accountId: "111122223333", region: "us-east-1" };
const T2: Tenant = { accountId: "444455556666", region: "us-east-1" };
const arn = (t: Tenant, path: string) => `arn:aws:personalize:${t.region}:${t.accountId}:${path}`;

const row = (
  t: Tenant,
  kind: PersonalizeResource["kind"],
  path: string,
  extra: Partial<PersonalizeResource> = {},
): PersonalizeResource => ({
  kind,
  arn: arn(t, path),
  name: path.split("/")[1],
  status: "ACTIVE",
  doc: { path },
  ...extra,
});

describe.each(STORE_KINDS)("store contract (Personalize control-plane resources): %s", (kind) => {
  let suite: SuiteStore;
  let store: Store;

  beforeAll(async () => {
    suite = await suiteStore(kind);
    store = suite.store;
  });
  afterAll(() => suite.dispose());

  test("one row per ARN and tenant; quotas per tenant or per parent; pages in creation order", async () => {
    const repo = store.personalizeResources;
    expect(await repo.insert(T1, row(T1, "dataset-group", "dataset-group/a"), { max: 2 })).toBe("inserted");
    expect(await repo.insert(T1, row(T1, "dataset-group", "dataset-group/a"), { max: 2 })).toBe("exists");
    expect(await repo.insert(T1, row(T1, "dataset-group", "dataset-group/b"), { max: 2 })).toBe("inserted");
    expect(await repo.insert(T1, row(T1, "dataset-group", "dataset-group/c"), { max: 2 })).toBe("limit");
    // Another tenant has its own quota, and its rows are invisible to the first.
    expect(await repo.insert(T2, row(T2, "dataset-group", "dataset-group/a"), { max: 2 })).toBe("inserted");
    expect(await repo.get(T2, arn(T1, "dataset-group/a"))).toBeUndefined();
    const first = await repo.list(T1, "dataset-group", undefined, 0, 1);
    expect(first.items.map((r) => r.name)).toEqual(["a"]);
    const second = await repo.list(T1, "dataset-group", undefined, first.after!, 1);
    expect(second).toEqual({ items: [expect.objectContaining({ name: "b", doc: { path: "dataset-group/b" } })], after: undefined });
    const parent = arn(T1, "dataset-group/a");
    expect(await repo.insert(T1, row(T1, "solution", "solution/s1", { parentArn: parent }), { max: 1, perParent: true })).toBe("inserted");
    expect(await repo.insert(T1, row(T1, "solution", "solution/s2", { parentArn: parent }), { max: 1, perParent: true })).toBe("limit");
    expect(
      await repo.insert(T1, row(T1, "solution", "solution/s2", { parentArn: arn(T1, "dataset-group/b") }), { max: 1, perParent: true }),
    ).toBe("inserted");
    expect((await repo.list(T1, "solution", parent, 0, 10)).items.map((r) => r.name)).toEqual(["s1"]);
    expect(await repo.update(T1, parent, "ACTIVE", { changed: true })).toBe(true);
    expect((await repo.get(T1, parent))!.doc).toEqual({ changed: true });
    expect(await repo.update(T2, arn(T2, "dataset-group/zz"), "ACTIVE", {})).toBe(false);
  });

  test("a delete is refused while a child or a user of the row exists; cascaded children go with it unless busy or used", async () => {
    const repo = store.personalizeResources;
    const schema = arn(T1, "schema/s");
    const group = arn(T1, "dataset-group/g");
    const dataset = arn(T1, "dataset/g/INTERACTIONS");
    await repo.insert(T1, row(T1, "schema", "schema/s"));
    await repo.insert(T1, row(T1, "dataset-group", "dataset-group/g"));
    await repo.insert(T1, row(T1, "dataset", "dataset/g/INTERACTIONS", { parentArn: group, refArn: schema }));
    expect(await repo.delete(T1, schema)).toEqual({ outcome: "in-use", by: dataset });
    expect(await repo.delete(T1, group)).toEqual({ outcome: "in-use", by: dataset });
    expect(await repo.delete(T2, dataset)).toEqual({ outcome: "missing" });
    const job = arn(T1, "dataset-import-job/j");
    await repo.insert(T1, row(T1, "dataset-import-job", "dataset-import-job/j", { parentArn: dataset, status: "CREATE PENDING" }));
    expect(await repo.delete(T1, dataset, ["dataset-import-job"])).toEqual({ outcome: "in-use", by: job });
    await repo.update(T1, job, "ACTIVE", {});
    // A campaign uses a solution version: the solution (cascading to versions) cannot go.
    const solution = arn(T1, "solution/x");
    const version = `${solution}/v1`;
    await repo.insert(T1, row(T1, "solution", "solution/x", { parentArn: group }));
    await repo.insert(T1, row(T1, "solution-version", "solution/x/v1", { arn: version, parentArn: solution }));
    await repo.insert(T1, row(T1, "campaign", "campaign/c", { refArn: version }));
    expect(await repo.delete(T1, solution, ["solution-version"])).toEqual({ outcome: "in-use", by: arn(T1, "campaign/c") });
    expect(await repo.delete(T1, arn(T1, "campaign/c"))).toEqual({ outcome: "deleted" });
    expect(await repo.delete(T1, solution, ["solution-version"])).toEqual({ outcome: "deleted" });
    expect(await repo.get(T1, version)).toBeUndefined();
    expect(await repo.delete(T1, dataset, ["dataset-import-job"])).toEqual({ outcome: "deleted" });
    expect(await repo.get(T1, job)).toBeUndefined();
    expect(await repo.delete(T1, schema)).toEqual({ outcome: "deleted" });
    expect(await repo.delete(T1, group)).toEqual({ outcome: "deleted" });
  });

  test("a job is held by one worker under its lease, taken over when it expires, and only its holder can finish it", async () => {
    const repo = store.personalizeResources;
    const job = arn(T2, "solution/j/v1");
    await repo.insert(T2, row(T2, "solution-version", "solution/j/v1", { arn: job, status: "CREATE PENDING" }));
    const now = Date.now();
    const a = await repo.claimJob(["solution-version"], "a", now, now + 60_000);
    expect(a).toMatchObject({ tenant: T2, attempts: 1, resource: { arn: job, status: "CREATE IN_PROGRESS" } });
    expect(await repo.claimJob(["solution-version"], "b", now, now + 60_000)).toBeUndefined();
    expect(await repo.claimJob(["dataset-import-job"], "b", now + 120_000, now + 180_000)).toBeUndefined();
    expect(await repo.renewJob(T2, job, "b", now + 90_000)).toBe(false);
    expect(await repo.renewJob(T2, job, "a", now + 90_000)).toBe(true);
    // a's process died: once its lease runs out, b takes the job over and a can no longer finish it.
    const b = await repo.claimJob(["solution-version"], "b", now + 100_000, now + 160_000);
    expect(b).toMatchObject({ attempts: 2, resource: { arn: job } });
    expect(await repo.finishJob(T2, job, "a", "ACTIVE", { by: "a" })).toBe(false);
    expect(await repo.finishJob(T2, job, "b", "ACTIVE", { by: "b" })).toBe(true);
    expect(await repo.get(T2, job)).toMatchObject({ status: "ACTIVE", doc: { by: "b" } });
    expect(await repo.claimJob(["solution-version"], "c", now + 1_000_000, now + 1_060_000)).toBeUndefined();
  });
});
