/**
 * Who gets which treatment, as a pure function: the holdout and the A/B treatments take their
 * percentages of the whole segment, the draw is fixed per (campaign, endpoint) and independent
 * between campaigns, and a campaign's message configuration maps onto the direct-send message.
 */
import { describe, expect, test } from "vitest";
import type { CampaignResponse } from "@aws-sdk/client-pinpoint";
import { assign, directMessage, treatmentsOf } from "../../../src/pinpoint/campaigns/runner/treatments.js";

// The campaign's own treatment, as GetCampaignActivities reports it (TreatmentId "0").
const DEFAULT_TREATMENT_ID = "0";

const endpoints = Array.from({ length: 20_000 }, (_, i) => `endpoint-${i}`);
const campaign = (over: Partial<CampaignResponse> = {}): CampaignResponse =>
  ({ Id: "c1", TemplateConfiguration: { EmailTemplate: { Name: "main" } }, ...over }) as CampaignResponse;

function shares(campaignId: string, holdout: number, c: CampaignResponse): Map<string, number> {
  const treatments = treatmentsOf(c);
  const out = new Map<string, number>();
  for (const e of endpoints) {
    const place = assign(campaignId, holdout, treatments, e)?.id ?? "holdout";
    out.set(place, (out.get(place) ?? 0) + 1);
  }
  return out;
}

describe("treatments", () => {
  test("the campaign's own treatment is id 0 and takes what the additional ones leave", () => {
    const t = treatmentsOf(
      campaign({ AdditionalTreatments: [{ Id: "b", SizePercent: 30 }, { SizePercent: 25 }] as CampaignResponse["AdditionalTreatments"] }),
    );
    expect(t.map((x) => [x.id, x.sizePercent])).toEqual([
      [DEFAULT_TREATMENT_ID, 45],
      ["b", 30],
      ["2", 25],
    ]);
    expect(t[0].templateConfiguration).toEqual({ EmailTemplate: { Name: "main" } });
    expect(treatmentsOf(campaign()).map((x) => [x.id, x.sizePercent])).toEqual([[DEFAULT_TREATMENT_ID, 100]]);
  });

  test("holdout and treatments get their percentages of the whole segment (4 standard deviations at n = 20,000)", () => {
    const c = campaign({
      AdditionalTreatments: [
        { Id: "b", SizePercent: 30 },
        { Id: "c", SizePercent: 10 },
      ] as CampaignResponse["AdditionalTreatments"],
    });
    const got = shares("c1", 20, c);
    const n = endpoints.length;
    // Of the whole segment: holdout 20%, b 30%, c 10%, the campaign's own the remaining 40%.
    for (const [place, p] of [
      ["holdout", 0.2],
      ["b", 0.3],
      ["c", 0.1],
      [DEFAULT_TREATMENT_ID, 0.4],
    ] as const) {
      const sd = Math.sqrt((p * (1 - p)) / n);
      expect(Math.abs((got.get(place) ?? 0) / n - p), place).toBeLessThan(4 * sd);
    }
    expect([...got.values()].reduce((a, b) => a + b, 0)).toBe(n);
  });

  test("no holdout: nobody is held out; one treatment: everybody gets it", () => {
    expect(shares("c1", 0, campaign())).toEqual(new Map([[DEFAULT_TREATMENT_ID, endpoints.length]]));
    expect(shares("c1", 100, campaign())).toEqual(new Map([["holdout", endpoints.length]]));
  });

  test("the draw is fixed per (campaign, endpoint) and independent between campaigns", () => {
    const treatments = treatmentsOf(
      campaign({ AdditionalTreatments: [{ Id: "b", SizePercent: 50 }] as CampaignResponse["AdditionalTreatments"] }),
    );
    const placesOf = (id: string) => endpoints.slice(0, 2000).map((e) => assign(id, 10, treatments, e)?.id ?? "holdout");
    expect(placesOf("c1")).toEqual(placesOf("c1"));
    const a = placesOf("c1");
    const b = placesOf("c2");
    const same = a.filter((x, i) => x === b[i]).length / a.length;
    // Independent draws agree with probability 0.1² + 0.45² + 0.45² = 0.415.
    expect(Math.abs(same - 0.415)).toBeLessThan(0.05);
    // The holdout and the treatment draws are independent too: the held-out share of b is the campaign's.
    const heldOut = a.filter((x) => x === "holdout").length / a.length;
    expect(Math.abs(heldOut - 0.1)).toBeLessThan(0.03);
  });

  test("the draws are the same in every release: an upgrade never moves a recurring campaign's endpoints", () => {
    // Fixed expectations, computed once from sha256(campaign id, purpose, endpoint id): a change to the
    // hash input (the purpose strings, the separator) would re-deal every running campaign.
    const treatments = treatmentsOf(
      campaign({ AdditionalTreatments: [{ Id: "b", SizePercent: 50 }] as CampaignResponse["AdditionalTreatments"] }),
    );
    const places = endpoints.slice(0, 12).map((e) => assign("c1", 25, treatments, e)?.id ?? "holdout");
    expect(places).toEqual(GOLDEN_PLACES);
  });

  test("a campaign's MessageConfiguration maps onto the direct-send message, with the channel's FromAddress as default", () => {
    expect(
      directMessage(
        {
          EmailMessage: { Title: "Hi", HtmlBody: "<p>x</p>", Body: "x" },
          SMSMessage: { Body: "s", MessageType: "PROMOTIONAL", OriginationNumber: "+12065550100", SenderId: "shop" },
          DefaultMessage: { Title: "t", Body: "b" },
        },
        "news@example.com",
      ),
    ).toStrictEqual({
      EmailMessage: {
        FromAddress: "news@example.com",
        SimpleEmail: { Subject: { Data: "Hi" }, HtmlPart: { Data: "<p>x</p>" }, TextPart: { Data: "x" } },
      },
      SMSMessage: { Body: "s", MessageType: "PROMOTIONAL", OriginationNumber: "+12065550100", SenderId: "shop" },
      DefaultPushNotificationMessage: { Title: "t", Body: "b" },
    });
    // Strict: a member the campaign does not set is absent, not present as undefined.
    expect(directMessage({ EmailMessage: { FromAddress: "own@example.com" } }, "news@example.com")).toStrictEqual({
      EmailMessage: { FromAddress: "own@example.com" },
    });
    expect(directMessage(undefined, "news@example.com")).toStrictEqual({ EmailMessage: { FromAddress: "news@example.com" } });
    expect(directMessage({ EmailMessage: { Title: "Hi" } }, undefined)).toStrictEqual({
      EmailMessage: { SimpleEmail: { Subject: { Data: "Hi" } } },
    });
    expect(directMessage({ EmailMessage: { HtmlBody: "<p>x</p>" } }, undefined)).toStrictEqual({
      EmailMessage: { SimpleEmail: { HtmlPart: { Data: "<p>x</p>" } } },
    });
    expect(directMessage({ EmailMessage: { Body: "x" } }, undefined)).toStrictEqual({
      EmailMessage: { SimpleEmail: { TextPart: { Data: "x" } } },
    });
    expect(directMessage({ SMSMessage: {}, DefaultMessage: {} }, undefined)).toStrictEqual({
      SMSMessage: {},
      DefaultPushNotificationMessage: {},
    });
    expect(directMessage(undefined, undefined)).toStrictEqual({});
  });
});

const GOLDEN_PLACES = ["holdout", "holdout", "0", "b", "b", "0", "b", "0", "holdout", "0", "0", "holdout"];
