"""Account-level endpoints: voices, remaining quota, webhook endpoints."""

from __future__ import annotations

from heygen_async.models import RemainingQuota, Voice, WebhookEndpoint
from heygen_async.models._checks import text
from heygen_async.resources._base import Resource

__all__ = ["Quota", "Voices", "Webhooks"]


class Voices(Resource):
    async def list(self) -> list[Voice]:
        data = await self._transport.request("GET", "/v2/voices")
        return self._parse_list(data, Voice, "voices")


class Quota(Resource):
    async def remaining(self) -> RemainingQuota:
        """Remaining quota; `.credits` converts HeyGen's credit-seconds to credits."""
        data = await self._transport.request("GET", "/v2/user/remaining_quota")
        return self._parse(data, RemainingQuota)


class Webhooks(Resource):
    """Webhook endpoint management (`/v1/webhook/...`)."""

    async def list_event_types(self) -> list[str]:
        data = await self._transport.request("GET", "/v1/webhook/webhook.list")
        return self._parse(data or [], list[str])

    async def add_endpoint(self, url: str, events: list[str] | None = None) -> WebhookEndpoint:
        """Register `url` (HeyGen sends it an OPTIONS request first); no events means all."""
        body: dict[str, object] = {"url": text("url", url)}
        if events:
            body["events"] = events
        data = await self._transport.request("POST", "/v1/webhook/endpoint.add", json=body)
        return self._parse(data, WebhookEndpoint)

    async def list_endpoints(self) -> list[WebhookEndpoint]:
        data = await self._transport.request("GET", "/v1/webhook/endpoint.list")
        return self._parse_list(data, WebhookEndpoint, "endpoints")

    async def update_endpoint(
        self, endpoint_id: str, *, url: str | None = None, events: list[str] | None = None
    ) -> WebhookEndpoint:
        body: dict[str, object] = {"endpoint_id": text("endpoint_id", endpoint_id)}
        if url is not None:
            body["url"] = url
        if events is not None:
            body["events"] = events
        data = await self._transport.request("PATCH", "/v1/webhook/endpoint.update", json=body)
        return self._parse(data, WebhookEndpoint)

    async def delete_endpoint(self, endpoint_id: str) -> None:
        text("endpoint_id", endpoint_id)
        await self._transport.request(
            "DELETE", "/v1/webhook/endpoint.delete", params={"endpoint_id": endpoint_id}
        )
