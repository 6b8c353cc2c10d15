"""One photo to an Avatar IV video (no training needed), portrait, with a motion prompt.

HEYGEN_API_KEY=... python examples/avatar_iv.py photo.jpg "Big news today!"
"""

import asyncio
import sys

from heygen_async import HeyGenClient, VideoOrientation


async def main(photo: str, script: str) -> None:
    async with HeyGenClient() as client:
        voice = (await client.voices.list())[0]
        result = await client.photo_to_avatar_iv(
            photo,
            script,
            voice.voice_id,
            directory="videos",
            video_orientation=VideoOrientation.PORTRAIT,
            motion_prompt="smiles and nods while talking",
            on_status=lambda status: print("status:", status.status.value),
        )
        print(f"{result.video_id} {result.status.status.value} {result.path}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
