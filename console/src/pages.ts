/**
 * The console's pages, in navigation order. Each is one entry here and one module in pages/.
 * Pages for journeys join this list when the server serves their APIs; until then there is no
 * page for them rather than an empty one.
 */
import type { FunctionComponent } from "preact";
import type { Clients } from "./aws";
import { RecommendersPage } from "./pages/recommenders";
import { ModelsPage } from "./pages/models";
import { TemplatesPage } from "./pages/templates";
import { SegmentsPage } from "./pages/segments";
import { CampaignsPage } from "./pages/campaigns";
import { OutboxPage } from "./pages/outbox";
import { AnalyticsPage } from "./pages/analytics";
import { EventStreamPage } from "./pages/event-stream";

export interface PageProps {
  clients: Clients;
  /** The route after the page's own segment, e.g. `["EMAIL", "picks"]` for `#/templates/EMAIL/picks`. */
  route: string[];
  /** The project (Pinpoint application) chosen in the header, if any. */
  projectId?: string;
}

export interface PageEntry {
  path: string;
  title: string;
  component: FunctionComponent<PageProps>;
}

export const PAGES: PageEntry[] = [
  { path: "recommenders", title: "Recommender models", component: RecommendersPage },
  { path: "models", title: "Models", component: ModelsPage },
  { path: "templates", title: "Message templates", component: TemplatesPage },
  { path: "segments", title: "Segments", component: SegmentsPage },
  { path: "campaigns", title: "Campaigns", component: CampaignsPage },
  { path: "analytics", title: "Analytics", component: AnalyticsPage },
  { path: "outbox", title: "Outbox", component: OutboxPage },
  { path: "event-stream", title: "Event stream", component: EventStreamPage },
];
