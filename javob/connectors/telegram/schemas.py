"""The parts of the Telegram Bot API `Update` object the connector reads.

Field names follow https://core.telegram.org/bots/api; unknown fields are ignored, so new
fields Telegram adds never break parsing.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TgModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class User(TgModel):
    id: int
    is_bot: bool = False
    first_name: str = ""
    last_name: str = ""
    username: str = ""
    language_code: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class Chat(TgModel):
    id: int
    type: str
    title: str = ""
    username: str = ""


class FileRef(TgModel):
    """What every downloadable object has (PhotoSize, Document, Voice, Sticker, ...)."""

    file_id: str = Field(min_length=1, max_length=500)
    file_unique_id: str = Field(default="", max_length=200)
    file_size: int | None = None


class PhotoSize(FileRef):
    width: int = 0
    height: int = 0


class Document(FileRef):
    file_name: str = ""
    mime_type: str = ""


class Audio(Document):
    duration: int = 0
    performer: str = ""
    title: str = ""


class Voice(FileRef):
    duration: int = 0
    mime_type: str = ""


class Video(Document):
    width: int = 0
    height: int = 0
    duration: int = 0


class VideoNote(FileRef):
    length: int = 0
    duration: int = 0


class Sticker(FileRef):
    type: str = "regular"
    emoji: str = ""
    set_name: str = ""
    is_animated: bool = False
    is_video: bool = False


class Location(TgModel):
    latitude: float
    longitude: float


class Venue(TgModel):
    location: Location
    title: str = ""
    address: str = ""


class Contact(TgModel):
    phone_number: str
    first_name: str = ""
    last_name: str = ""
    user_id: int | None = None


class ReplyTo(TgModel):
    """`reply_to_message`: only its id matters (Telegram does not nest it further)."""

    message_id: int


class Message(TgModel):
    message_id: int
    sender: User | None = Field(default=None, alias="from")
    chat: Chat
    date: int
    edit_date: int | None = None
    text: str = ""
    caption: str = ""
    photo: list[PhotoSize] = Field(default_factory=list)
    document: Document | None = None
    audio: Audio | None = None
    voice: Voice | None = None
    video: Video | None = None
    video_note: VideoNote | None = None
    sticker: Sticker | None = None
    location: Location | None = None
    venue: Venue | None = None
    contact: Contact | None = None
    reply_to_message: ReplyTo | None = None
    media_group_id: str = ""


class Update(TgModel):
    update_id: int
    message: Message | None = None
    edited_message: Message | None = None
    channel_post: Message | None = None
    edited_channel_post: Message | None = None


class File(TgModel):
    """The answer of `getFile`."""

    file_id: str
    file_size: int | None = None
    file_path: str = ""


class BotUser(TgModel):
    """The answer of `getMe`."""

    id: int
    is_bot: bool
    first_name: str = ""
    username: str = ""
