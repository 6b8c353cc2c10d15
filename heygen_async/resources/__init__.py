"""One class per API area, reached through `HeyGenClient` attributes."""

from heygen_async.resources.account import Quota, Voices, Webhooks
from heygen_async.resources.assets import Assets
from heygen_async.resources.avatar_iv import AvatarIV
from heygen_async.resources.photo_avatars import PhotoAvatars
from heygen_async.resources.talking_photos import TalkingPhotos
from heygen_async.resources.videos import Videos

__all__ = [
    "Assets",
    "AvatarIV",
    "PhotoAvatars",
    "Quota",
    "TalkingPhotos",
    "Videos",
    "Voices",
    "Webhooks",
]
