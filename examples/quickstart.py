"""One photo to a talking video, saved to ./videos.

HEYGEN_API_KEY=... python examples/quickstart.py photo.jpg "Hi Ada, welcome aboard!"
"""

import asyncio
import sys

from heygen_async import HeyGenClient


async def main(photo: str, script: str) -> None:
    async with HeyGenClient() as client:
        voice = (await client.voices.list())[0]
        result = await client.photo_to_video(photo, script, voice.voice_id, directory="videos")
        print(f"{result.video_id} {result.status.status.value} {result.path}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
