"""The same service on FastAPI: the client lives in the lifespan, jobs in a TaskGroup.

pip install fastapi uvicorn
HEYGEN_API_KEY=... PUBLIC_URL=https://you.example python examples/fastapi_app.py --port 8080
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI, HTTPException, Request
from job_board import JobBoard, job_board

from heygen_async.webhooks import WebhookASGIApp, WebhookEvent

secrets: list[str] = []


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with job_board(secrets, os.environ.get("VIDEO_DIR")) as board:
        app.state.board = board
        yield


app = FastAPI(lifespan=lifespan)


def on_event(event: WebhookEvent) -> None:
    board: JobBoard = app.state.board
    board.waiter.on_event(event)


app.mount("/heygen/webhook", WebhookASGIApp(secrets, on_event))


@app.post("/jobs", status_code=202)
async def create_job(request: Request) -> dict[str, str]:
    # Read the raw body so the example needs no form-parsing package: ?script=...&voice_id=...
    script = request.query_params.get("script")
    photo = await request.body()
    if not script or not photo:
        raise HTTPException(400, "send the photo as the body and ?script=...")
    board: JobBoard = app.state.board
    voice_id = (
        request.query_params.get("voice_id") or (await board.client.voices.list())[0].voice_id
    )
    return {"job_id": board.start(photo, script, voice_id)}


@app.get("/jobs/{job_id}")
async def get_job(job_id: str) -> dict[str, str]:
    job = app.state.board.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "no such job")
    return job


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port)
