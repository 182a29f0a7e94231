/** The Segments, Segment and Segment Versions resources (`/v1/apps/{id}/segments…`). */
import type {
  CreateSegmentRequest,
  DeleteSegmentRequest,
  GetSegmentRequest,
  GetSegmentVersionRequest,
  GetSegmentVersionsRequest,
  GetSegmentsRequest,
  SegmentsResponse,
  UpdateSegmentRequest,
} from "@aws-sdk/client-pinpoint";
import { handlersOf, type Handler } from "../../protocol/handler.js";
import type { SegmentService } from "../segments/service.js";
import { decodeToken, pageBody, parsePageSize } from "../../shared/pagination.js";

const LIST = "segments";
const VERSIONS = "segment-versions";

export function segmentHandlers(service: SegmentService): Record<string, Handler> {
  return handlersOf<{
    CreateSegment: CreateSegmentRequest;
    GetSegment: GetSegmentRequest;
    GetSegments: GetSegmentsRequest;
    UpdateSegment: UpdateSegmentRequest;
    DeleteSegment: DeleteSegmentRequest;
    GetSegmentVersion: GetSegmentVersionRequest;
    GetSegmentVersions: GetSegmentVersionsRequest;
  }>({
    async CreateSegment({ tenant, input }) {
      return { body: await service.create(tenant, input.ApplicationId, input.WriteSegmentRequest) };
    },
    async GetSegment({ tenant, input }) {
      return { body: await service.get(tenant, input.ApplicationId, input.SegmentId) };
    },
    async GetSegments({ tenant, input }) {
      const page = await service.list(tenant, input.ApplicationId, decodeToken(LIST, input.Token), parsePageSize(input.PageSize));
      const body: SegmentsResponse = pageBody(LIST, page);
      return { body };
    },
    async UpdateSegment({ tenant, input }) {
      return { body: await service.update(tenant, input.ApplicationId, input.SegmentId, input.WriteSegmentRequest) };
    },
    async DeleteSegment({ tenant, input }) {
      return { body: await service.delete(tenant, input.ApplicationId, input.SegmentId) };
    },
    async GetSegmentVersion({ tenant, input }) {
      return { body: await service.get(tenant, input.ApplicationId, input.SegmentId, input.Version) };
    },
    async GetSegmentVersions({ tenant, input }) {
      const page = await service.versions(
        tenant,
        input.ApplicationId,
        input.SegmentId,
        decodeToken(VERSIONS, input.Token),
        parsePageSize(input.PageSize),
      );
      const body: SegmentsResponse = pageBody(VERSIONS, page);
      return { body };
    },
  });
}
