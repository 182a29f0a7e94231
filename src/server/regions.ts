/**
 * The AWS Regions a SigV4 credential scope may name, taken from the AWS SDK's own endpoint data
 * (the `partitions.json` shipped in `@aws-sdk/core`, which every `@aws-sdk/client-*` resolves its
 * endpoints with), so the list follows the installed SDK instead of a hand-written copy.
 *
 * The SDK exposes that data through `partition(region)`: a region it lists comes back with its
 * `description` ("US East (N. Virginia)"); anything else falls back to a partition's defaults
 * without one. Known regions are remembered in a Set, so the hot path is one Set lookup; the
 * Set can only ever hold the SDK's own regions, however many invented names clients send.
 */
import { partition } from "@aws-sdk/core/client";

/** Shape check before asking the SDK: region names are short lowercase words joined by hyphens. */
const REGION_SHAPE = /^[a-z0-9-]{1,32}$/;

export class RegionList {
  private readonly known = new Set<string>();

  has(region: string): boolean {
    if (this.known.has(region)) return true;
    if (!REGION_SHAPE.test(region)) return false;
    // `aws-global`, `aws-cn-global`, …: signing pseudo-regions of global services, not places
    // where Pinpoint or Personalize keep resources.
    if (region.endsWith("-global")) return false;
    // The SDK spreads the listed region's data (its description) over the partition's outputs.
    if ((partition(region) as { description?: string }).description === undefined) return false;
    this.known.add(region);
    return true;
  }
}
