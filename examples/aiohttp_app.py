"""An aiohttp.web service: POST a photo and a script, get a job id; GET the job; a webhook route.

    HEYGEN_API_KEY=... PUBLIC_URL=https://you.example python examples/aiohttp_app.py --port 8080

    curl -F photo=@ada.jpg -F script="Hi Ada" http://localhost:8080/jobs
    curl http://localhost:8080/jobs/<id>

With PUBLIC_URL set, the app registers `PUBLIC_URL/heygen/webhook` with HeyGen at start-up and
jobs finish on HeyGen's event; without it they poll.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator

from aiohttp import web
from job_board import JobBoard, job_board

from heygen_async.webhooks import WebhookEvent, aiohttp_handler

BOARD = web.AppKey("board", JobBoard)
SECRETS = web.AppKey("webhook_secrets", list[str])


async def lifespan(app: web.Application) -> AsyncIterator[None]:
    async with job_board(app[SECRETS], os.environ.get("VIDEO_DIR")) as board:
        app[BOARD] = board
        yield


async def create_job(request: web.Request) -> web.Response:
    form = await request.post()
    photo, script = form.get("photo"), form.get("script")
    if not isinstance(photo, web.FileField) or not isinstance(script, str) or not script:
        return web.json_response({"error": "send a photo file and a script"}, status=400)
    board = request.app[BOARD]
    voice_id = str(form.get("voice_id") or (await board.client.voices.list())[0].voice_id)
    job_id = board.start(photo.file.read(), script, voice_id)
    return web.json_response({"job_id": job_id}, status=202)


async def get_job(request: web.Request) -> web.Response:
    job = request.app[BOARD].jobs.get(request.match_info["job_id"])
    if job is None:
        return web.json_response({"error": "no such job"}, status=404)
    return web.json_response(job)


def make_app() -> web.Application:
    app = web.Application()
    secrets: list[str] = []
    app[SECRETS] = secrets
    app.cleanup_ctx.append(lifespan)

    def on_event(event: WebhookEvent) -> None:  # the board exists once the lifespan started
        app[BOARD].waiter.on_event(event)

    app.router.add_post("/jobs", create_job)
    app.router.add_get("/jobs/{job_id}", get_job)
    app.router.add_route("*", "/heygen/webhook", aiohttp_handler(secrets, on_event))
    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    web.run_app(make_app(), host=args.host, port=args.port)
