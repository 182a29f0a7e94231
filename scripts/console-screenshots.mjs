#!/usr/bin/env node
// Screenshots of every console page for docs/console.md, taken the way the console's tests drive
// it: a real `pinrec serve` (from this checkout, `npm run build` first) with a campaign trained by
// the embedded engine on synthetic data, resources made with the AWS SDK, email delivered to a real
// SMTP server (smtp-server) on loopback whose tracked links and pixels this script then follows for
// some recipients (so the analytics pages have figures), and Debian's Chromium through
// playwright-core. Writes docs/console/*.png.
//
//   npm run build && node scripts/console-screenshots.mjs
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { chromium } from "playwright-core";
import { SMTPServer } from "smtp-server";
import {
  CreateAppCommand,
  CreateCampaignCommand,
  CreateEmailTemplateCommand,
  CreateRecommenderConfigurationCommand,
  CreateSegmentCommand,
  CreateSmsTemplateCommand,
  GetCampaignCommand,
  PinpointClient,
  PutEventStreamCommand,
  SendMessagesCommand,
  UpdateEmailChannelCommand,
  UpdateEmailTemplateCommand,
  UpdateEndpointsBatchCommand,
} from "@aws-sdk/client-pinpoint";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const BIN = join(ROOT, "bin", "pinrec.js");
const OUT = join(ROOT, "docs", "console");
const ACCOUNT = "111122223333";
const credential = {
  accessKeyId: `AKIA${randomBytes(8).toString("hex").toUpperCase()}`,
  secretAccessKey: randomBytes(20).toString("base64url"),
  accountId: ACCOUNT,
};
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];

const dir = mkdtempSync(join(tmpdir(), "pinrec-shots-"));
const creds = join(dir, "credentials.json");
writeFileSync(creds, JSON.stringify([credential]));
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PINREC_") && !k.startsWith("AWS_"))),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};
const pinrec = (...args) => execFileSync(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "inherit"] });
const target = ["--data-dir", join(dir, "data"), "--credentials", creds];

pinrec("data", "synth", "--users", "400", "--items", "150", "--interactions", "9000", "--out", join(dir, "synth"));
pinrec(
  "campaigns",
  "create",
  "--name",
  "movies",
  "--interactions",
  join(dir, "synth", "interactions.csv"),
  "--items",
  join(dir, "synth", "items.csv"),
  ...target,
);
const campaignArn = `arn:aws:personalize:us-east-1:${ACCOUNT}:campaign/movies`;

// The mail server the messages are delivered to: each accepted message's raw MIME is kept.
const mails = [];
const smtp = new SMTPServer({
  disabledCommands: ["STARTTLS", "AUTH"],
  authOptional: true,
  logger: false,
  onData(stream, session, cb) {
    let raw = "";
    stream.on("data", (c) => (raw += c));
    stream.on("end", () => {
      mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
      cb();
    });
  },
});
await new Promise((r) => smtp.listen(0, "127.0.0.1", r));
const smtpUrl = `smtp://127.0.0.1:${smtp.server.address().port}`;

const server = spawn(process.execPath, [BIN, "serve", "--port", "0", "--log-level", "warn", "--smtp-url", smtpUrl, ...target], {
  env,
  stdio: ["ignore", "inherit", "pipe"],
});
const url = await new Promise((resolve, reject) => {
  let err = "";
  server.stderr.on("data", (c) => {
    err += c;
    const m = /pinrec listening on (\S+)/.exec(err);
    if (m) resolve(m[1]);
  });
  server.on("exit", (code) => reject(new Error(`pinrec serve exited with ${code}: ${err}`)));
});

let browser;
try {
  const client = new PinpointClient({ endpoint: url, region: "us-east-1", credentials: credential });
  const appId = (await client.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "shop" } }))).ApplicationResponse.Id;
  const people = [
    ["ana", "u1", "Ana", "weekly"],
    ["bo", "u2", "Bo", "weekly"],
    ["cy", "u3", "Cy", "never"],
    ["di", "u4", "Di", "weekly"],
    ...Array.from({ length: 36 }, (_, i) => [`reader${i + 1}`, `u${i + 5}`, `Reader ${i + 1}`, "weekly"]),
  ];
  await client.send(
    new UpdateEndpointsBatchCommand({
      ApplicationId: appId,
      EndpointBatchRequest: {
        Item: people.map(([id, user, name, newsletter]) => ({
          Id: `${id}-email`,
          ChannelType: "EMAIL",
          Address: `${id}@example.com`,
          Attributes: { Newsletter: [newsletter] },
          User: { UserId: user, UserAttributes: { FirstName: [name] } },
        })),
      },
    }),
  );
  const recommenderId = (
    await client.send(
      new CreateRecommenderConfigurationCommand({
        CreateRecommenderConfiguration: {
          Name: "movie-picks",
          Description: "Films for each user tonight",
          RecommendationProviderUri: campaignArn,
          RecommendationProviderRoleArn: `arn:aws:iam::${ACCOUNT}:role/pinrec`,
          RecommendationProviderIdType: "PINPOINT_USER_ID",
          RecommendationsPerMessage: 3,
          RecommendationsDisplayName: "Top picks",
        },
      }),
    )
  ).RecommenderConfigurationResponse.Id;
  const html =
    '<h2 style="font-family:sans-serif">Hi {{User.UserAttributes.FirstName}},</h2>\n<p style="font-family:sans-serif">Tonight we picked for you:</p>\n<ol style="font-family:sans-serif">{{#each RecommendationItems}}<li>{{this}}</li>{{/each}}</ol>\n<p><a href="https://shop.example/tonight">All of tonight\'s picks</a></p>';
  await client.send(
    new CreateEmailTemplateCommand({
      TemplateName: "picks",
      EmailTemplateRequest: {
        RecommenderId: recommenderId,
        Subject: "Tonight: {{RecommendationItems.[0]}}",
        HtmlPart: html,
        TextPart: "Hi {{User.UserAttributes.FirstName}}, we picked {{RecommendationItems.[0]}}.",
      },
    }),
  );
  await client.send(
    new UpdateEmailTemplateCommand({
      TemplateName: "picks",
      CreateNewVersion: true,
      EmailTemplateRequest: {
        RecommenderId: recommenderId,
        Subject: "Tonight: {{RecommendationItems.[0]}} and more",
        HtmlPart: html,
        TextPart: "Hi {{User.UserAttributes.FirstName}}, we picked {{RecommendationItems.[0]}}.",
      },
    }),
  );
  await client.send(
    new CreateEmailTemplateCommand({ TemplateName: "welcome", EmailTemplateRequest: { Subject: "Welcome", HtmlPart: "<p>Welcome!</p>" } }),
  );
  await client.send(
    new CreateEmailTemplateCommand({
      TemplateName: "welcome-back",
      EmailTemplateRequest: {
        Subject: "We missed you",
        HtmlPart: '<p>Welcome back! <a href="https://shop.example/new">What is new</a></p>',
      },
    }),
  );
  await client.send(
    new CreateSmsTemplateCommand({
      TemplateName: "picks-sms",
      SMSTemplateRequest: { RecommenderId: recommenderId, Body: "Tonight: {{RecommendationItems.[0]}}" },
    }),
  );
  await client.send(
    new UpdateEmailChannelCommand({
      ApplicationId: appId,
      EmailChannelRequest: {
        FromAddress: "shop@example.com",
        Identity: `arn:aws:ses:us-east-1:${ACCOUNT}:identity/example.com`,
        Enabled: true,
      },
    }),
  );
  const segmentId = (
    await client.send(
      new CreateSegmentCommand({
        ApplicationId: appId,
        WriteSegmentRequest: {
          Name: "weekly",
          Dimensions: { Attributes: { Newsletter: { AttributeType: "INCLUSIVE", Values: ["weekly"] } } },
        },
      }),
    )
  ).SegmentResponse.Id;
  await client.send(new CreateSegmentCommand({ ApplicationId: appId, WriteSegmentRequest: { Name: "everyone" } }));
  await client.send(
    new SendMessagesCommand({
      ApplicationId: appId,
      MessageRequest: {
        MessageConfiguration: { EmailMessage: { FromAddress: "shop@example.com" } },
        TemplateConfiguration: { EmailTemplate: { Name: "picks" } },
        Endpoints: { "ana-email": {}, "cy-email": {} },
      },
    }),
  );
  const campaignId = (
    await client.send(
      new CreateCampaignCommand({
        ApplicationId: appId,
        WriteCampaignRequest: {
          Name: "weekly-picks",
          SegmentId: segmentId,
          HoldoutPercent: 10,
          Schedule: { StartTime: "IMMEDIATE", Frequency: "ONCE" },
          TemplateConfiguration: { EmailTemplate: { Name: "picks" } },
          TreatmentName: "control",
          AdditionalTreatments: [
            { SizePercent: 45, TreatmentName: "welcome-back", TemplateConfiguration: { EmailTemplate: { Name: "welcome-back" } } },
          ],
        },
      }),
    )
  ).CampaignResponse.Id;
  for (let i = 0; i < 120; i++) {
    const state = (await client.send(new GetCampaignCommand({ ApplicationId: appId, CampaignId: campaignId }))).CampaignResponse.State
      .CampaignStatus;
    if (state === "COMPLETED") break;
    await new Promise((r) => setTimeout(r, 250));
  }

  // Recipients' mail clients: every accepted message's pixel loaded for 2 in 3, its first link
  // followed for 1 in 3 (the same choice on every run).
  // (after the deliveries settle: no new mail for a second, or ten seconds at most)
  for (let i = 0, seen = -1, still = 0; i < 100 && still < 10; i++, still = mails.length === seen ? still + 1 : 0, seen = mails.length)
    await new Promise((r) => setTimeout(r, 100));
  for (const [i, mail] of mails.entries()) {
    const html = htmlOf(mail.raw);
    const pixel = /<img src="([^"]*)" width="1"/.exec(html)?.[1];
    const link = [...html.matchAll(/href="([^"]*\/_pinrec\/t\/c\/[^"]*)"/g)][0]?.[1];
    if (pixel && i % 3 !== 2) await get(pixel.replace(/&amp;/g, "&"));
    if (link && i % 3 === 0) await get(link.replace(/&amp;/g, "&"));
  }
  await client.send(
    new PutEventStreamCommand({
      ApplicationId: appId,
      WriteEventStream: {
        DestinationStreamArn: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/pinpoint-events`,
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/pinpoint-events`,
      },
    }),
  );
  // Clicks and opens are recorded within a group commit.
  await new Promise((r) => setTimeout(r, 500));

  mkdirSync(OUT, { recursive: true });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS, headless: true });
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, deviceScaleFactor: 1 });
  const origin = new URL(url).origin;
  await context.route("**/*", (route) => (new URL(route.request().url()).origin === origin ? route.continue() : route.abort()));
  const page = await context.newPage();
  const shot = async (name, opts = {}) => {
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(OUT, `${name}.png`), ...opts });
    console.log(`docs/console/${name}.png`);
  };
  const heading = (text) => page.getByRole("heading", { level: 1, name: text }).waitFor();

  await page.goto(`${url}/_pinrec/console/`);
  await page.getByLabel("Access key ID").fill(credential.accessKeyId);
  await page.getByLabel("Secret access key").fill(credential.secretAccessKey);
  await shot("sign-in");
  await page.getByRole("button", { name: "Sign in" }).click();
  await heading("Recommender models");
  await page.getByRole("row").filter({ hasText: "movie-picks" }).waitFor();
  await shot("recommenders");

  await page.getByRole("link", { name: "movie-picks" }).click();
  await heading("Recommender: movie-picks");
  await page.getByLabel("Recommendations per message").fill("9");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.locator(".field-error").waitFor();
  await shot("recommender-edit");

  await page.getByRole("link", { name: "Models", exact: true }).click();
  const user = page.getByRole("region", { name: "User explorer" });
  await user.getByLabel("User ID", { exact: true }).fill("u1");
  await user.getByLabel("Item metadata columns").fill("TITLE, GENRE");
  await user.getByRole("button", { name: "Get recommendations" }).click();
  await user.getByRole("table").waitFor();
  const first = await user.getByRole("row").nth(1).getByRole("button").textContent();
  await user.getByRole("button", { name: `${first}: show similar items` }).click();
  const similar = page.getByRole("region", { name: "Similar items" });
  await similar.getByLabel("Item metadata columns").fill("TITLE, GENRE");
  await similar.getByRole("button", { name: "Find similar items" }).click();
  await similar.getByRole("table").waitFor();
  await shot("models", { fullPage: true });

  await page.getByRole("link", { name: "Message templates", exact: true }).click();
  await page.getByRole("row").filter({ hasText: "welcome" }).first().waitFor();
  await shot("templates");
  await page.getByRole("link", { name: "picks", exact: true }).click();
  await heading("Email template: picks");
  await page.getByText(/Editing version \d/).waitFor();
  await page.getByRole("textbox", { name: "HTML part" }).click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("\n<p>First pick: ");
  await page.getByRole("button", { name: "Insert Top picks 1", exact: true }).click();
  await page.keyboard.type("</p>");
  await page.getByLabel("Endpoint ID", { exact: true }).fill("ana-email");
  await page.getByRole("button", { name: "Preview", exact: true }).click();
  await page.getByRole("article").waitFor();
  // The sandboxed frame renders after the article appears; wait for its content.
  await page.frameLocator("article iframe.message-frame").locator("li").first().waitFor();
  // A full-page capture re-lays the page out and blanks a sandboxed srcdoc frame: grow the window instead.
  const viewport = page.viewportSize();
  await page.setViewportSize({ width: viewport.width, height: 1950 });
  await page.frameLocator("article iframe.message-frame").locator("li").first().waitFor();
  await shot("template-editor");
  await page.setViewportSize(viewport);

  await page.getByRole("link", { name: "Segments", exact: true }).click();
  await page.getByRole("row").filter({ hasText: "weekly" }).waitFor();
  await shot("segments");
  await page.getByRole("link", { name: "Campaigns", exact: true }).click();
  await page.getByRole("link", { name: "weekly-picks" }).click();
  await page.getByRole("table", { name: "Activities (runs, per treatment)" }).getByRole("row").nth(1).waitFor();
  await page.locator(".kpi-chart .chart canvas").waitFor();
  await shot("campaign", { fullPage: true });
  await page.getByRole("link", { name: "Analytics", exact: true }).click();
  await heading("Analytics");
  await page.locator(".kpi-chart .chart canvas").first().waitFor();
  await shot("analytics", { fullPage: true });
  await page.getByRole("link", { name: "Event stream", exact: true }).click();
  await heading("Event stream");
  await page.locator(".facts").waitFor();
  await page.getByLabel("Role ARN").fill("pinpoint-events");
  await page.getByRole("button", { name: "Save event stream" }).click();
  await page.locator(".field-error").waitFor();
  await shot("event-stream");
  await page.getByRole("link", { name: "Outbox", exact: true }).click();
  await page
    .getByRole("link", { name: /^Open message/ })
    .first()
    .waitFor();
  await shot("outbox");
  await page
    .getByRole("link", { name: /^Open message/ })
    .first()
    .click();
  await page.locator("iframe.message-frame").waitFor();
  await shot("outbox-message", { fullPage: true });
} finally {
  await browser?.close();
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  await new Promise((r) => smtp.close(r));
  rmSync(dir, { recursive: true, force: true });
}

/** The decoded HTML part of a received message (quoted-printable, base64 or as it is). */
function htmlOf(raw) {
  const at = raw.search(/^Content-Type: text\/html/im);
  if (at < 0) return "";
  const part = raw.slice(at);
  const end = part.search(/\r?\n\r?\n/);
  const headers = raw.includes("\n--") ? part.slice(0, end) : raw.slice(0, raw.search(/\r?\n\r?\n/));
  const body = part
    .slice(end)
    .replace(/^\r?\n\r?\n/, "")
    .split(/\r?\n--/)[0];
  if (/Content-Transfer-Encoding: base64/i.test(headers)) return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (/Content-Transfer-Encoding: quoted-printable/i.test(headers))
    return Buffer.from(
      body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(Number.parseInt(h, 16))),
      "latin1",
    ).toString("utf8");
  return body;
}

/** A GET as a mail client makes it, redirects not followed. */
function get(url) {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", reject);
    req.end();
  });
}
