/**
 * The feedback loop: a click on a link rendered from one of a message's recommended items is an
 * interaction of the recipient with that item, event type `click`, recorded for the campaign the
 * message's recommender configuration names (its `RecommendationProviderUri`) and folded into the
 * served model at once, exactly as Amazon Personalize's PutEvents is; the next retrain includes it.
 * The recipient is the Personalize user id the recommendations were asked for: the endpoint id, or
 * `User.UserId` when the configuration's `RecommendationProviderIdType` is `PINPOINT_USER_ID`.
 * A campaign this pinrec does not serve gets the click through Amazon Personalize's PutEvents when
 * the operator names its event tracker (`--personalize-tracking-id`), and is left alone otherwise.
 * Opens are never interactions.
 */
import type { CampaignRegistry } from "../../personalize/campaigns/registry.js";
import { parseCampaignArn } from "../../personalize/campaigns/arn.js";
import { servedCampaign } from "../../personalize/campaigns/resolve.js";
import type { EngagementMessage } from "../../store/engagement-events.js";
import type { Store } from "../../store/types.js";
import type { ClickEvent } from "../messaging/recommendations/personalize.js";

export const CLICK_EVENT_TYPE = "click";

export interface RecommendationFeedback {
  clicked(message: EngagementMessage, itemId: string): Promise<void>;
}

/** Where clicks on items of campaigns pinrec does not serve go (Amazon Personalize's PutEvents). */
export interface RemoteClickSink {
  sendClick(click: ClickEvent): Promise<boolean>;
}

export class ServedModelFeedback implements RecommendationFeedback {
  constructor(
    private readonly store: Store,
    private readonly registry: CampaignRegistry,
    private readonly remote?: RemoteClickSink,
    private readonly now: () => number = Date.now,
  ) {}

  async clicked(m: EngagementMessage, itemId: string): Promise<void> {
    if (m.recommenderId === undefined) return;
    const config = await this.store.recommenders.get(m.tenant, m.recommenderId);
    const arn = config?.RecommendationProviderUri;
    if (!arn) return;
    const userId = config.RecommendationProviderIdType === "PINPOINT_USER_ID" ? m.userId : m.endpointId;
    if (userId === undefined) return;
    if (!(await servedCampaign(this.registry, m.tenant, arn))) {
      await this.remote?.sendClick({
        tenant: m.tenant,
        campaignArn: arn,
        roleArn: config.RecommendationProviderRoleArn,
        userId,
        itemId,
        eventType: CLICK_EVENT_TYPE,
        sentAt: new Date(this.now()),
      });
      return;
    }
    const name = parseCampaignArn(arn)!.name;
    await this.store.personalizeCampaigns.addEvents(m.tenant, name, [
      { userId, itemId, eventType: CLICK_EVENT_TYPE, eventValue: null, sentAt: new Date(this.now()).toISOString() },
    ]);
    await this.registry.syncEvents(m.tenant, name);
  }
}
