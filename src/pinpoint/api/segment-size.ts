/**
 * `GET /_pinrec/apps/{application-id}/segments/{segment-id}/size` (a pinrec extension, signed as
 * Pinpoint requests are, service `mobiletargeting`): how many endpoints the segment's latest
 * version holds right now, counted in the database, as the Pinpoint console's segment page showed
 * a segment's size. Pinpoint's API reports a size only for imported segments
 * (`ImportDefinition.Size`); this one counts dimensional and group segments too.
 *
 * Answer: `{"SegmentId", "Version", "Size"}`.
 */
import type { ExtensionRoute } from "../../protocol/extension.js";
import type { SegmentService } from "../segments/service.js";

export const SEGMENT_SIZE_PATH = "/_pinrec/apps/:applicationId/segments/:segmentId/size";

export function segmentSizeRoute(segments: SegmentService): ExtensionRoute {
  return {
    method: "GET",
    path: SEGMENT_SIZE_PATH,
    signingName: "mobiletargeting",
    operation: "pinrec:GetSegmentSize",
    async handler({ tenant, params }) {
      const segment = await segments.get(tenant, params.applicationId, params.segmentId);
      const size = await segments.size(tenant, params.applicationId, params.segmentId, segment.Version);
      return { body: { SegmentId: segment.Id, Version: segment.Version, Size: size } };
    },
  };
}
