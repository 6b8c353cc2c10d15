"""An AI photo avatar: the eight required fields, four generated photos, then a group.

HEYGEN_API_KEY=... python examples/ai_photo_avatar.py
"""

import asyncio

from heygen_async import (
    Age,
    AIPhotoRequest,
    Ethnicity,
    Gender,
    HeyGenClient,
    Orientation,
    Pose,
    Style,
)


async def main() -> None:
    request = AIPhotoRequest(
        name="Nora",
        age=Age.EARLY_MIDDLE_AGE,
        gender=Gender.WOMAN,
        ethnicity=Ethnicity.SOUTH_ASIAN,
        orientation=Orientation.SQUARE,
        pose=Pose.HALF_BODY,
        style=Style.REALISTIC,
        appearance="warm smile, navy blazer, bright office with plants behind her",
    )
    async with HeyGenClient() as client:
        created = await client.photo_avatars.generate_photo(request)
        generation = await client.photo_avatars.wait_for_generation(created.generation_id)
        print("generated:", len(generation.image_key_list), "photos")
        group = await client.photo_avatars.create_group(
            name=request.name, image_key=generation.image_key_list[0], generation_id=generation.id
        )
        print("group:", group.id, "usable as talking_photo_id in a video")


if __name__ == "__main__":
    asyncio.run(main())
