/** The Segments, Segment and Segment Versions resources (`/v1/apps/{id}/segments…`). */
import type { SegmentsResponse, WriteSegmentRequest } from "@aws-sdk/client-pinpoint";
import type { Handler } from "../protocol/handler.js";
import type { SegmentService } from "../segments/service.js";
import { decodeToken, encodeToken, parsePageSize } from "../shared/pagination.js";

const LIST = "segments";
const VERSIONS = "segment-versions";

export function segmentHandlers(service: SegmentService): Record<string, Handler> {
  return {
    async CreateSegment({ tenant, input }) {
      return { body: await service.create(tenant, input.ApplicationId as string, input.WriteSegmentRequest as WriteSegmentRequest) };
    },
    async GetSegment({ tenant, input }) {
      return { body: await service.get(tenant, input.ApplicationId as string, input.SegmentId as string) };
    },
    async GetSegments({ tenant, input }) {
      const page = await service.list(tenant, input.ApplicationId as string, decodeToken(LIST, input.Token), parsePageSize(input.PageSize));
      const body: SegmentsResponse = { Item: page.items, ...(page.after !== undefined && { NextToken: encodeToken(LIST, page.after) }) };
      return { body };
    },
    async UpdateSegment({ tenant, input }) {
      return { body: await service.update(tenant, input.ApplicationId as string, input.SegmentId as string, input.WriteSegmentRequest as WriteSegmentRequest) };
    },
    async DeleteSegment({ tenant, input }) {
      return { body: await service.delete(tenant, input.ApplicationId as string, input.SegmentId as string) };
    },
    async GetSegmentVersion({ tenant, input }) {
      return { body: await service.get(tenant, input.ApplicationId as string, input.SegmentId as string, input.Version as string) };
    },
    async GetSegmentVersions({ tenant, input }) {
      const page = await service.versions(tenant, input.ApplicationId as string, input.SegmentId as string, decodeToken(VERSIONS, input.Token), parsePageSize(input.PageSize));
      const body: SegmentsResponse = { Item: page.items, ...(page.after !== undefined && { NextToken: encodeToken(VERSIONS, page.after) }) };
      return { body };
    },
  };
}
