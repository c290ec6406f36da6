"""Class5 conference rooms (PRODUCT.md §4): their extensions follow the block rules."""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record_change, snapshot
from carrierdesk.auth.principals import Principal
from carrierdesk.auth.scoping import Access, get_scoped, readable
from carrierdesk.customers.service import get_customer
from carrierdesk.db import page_of
from carrierdesk.errors import Invalid
from carrierdesk.models import ConferenceRoom, Extension
from carrierdesk.numbering.extensions import claim_extension, rename_extension
from carrierdesk.sipauth.schemas import ConferenceCreate, ConferenceUpdate

AUDITED = ("name", "extension", "pin", "moderator_pin", "quality", "max_members")


def list_rooms(
    session: Session, principal: Principal, customer_id: int, limit: int = 50, offset: int = 0
) -> tuple[list[ConferenceRoom], int]:
    get_customer(session, principal, customer_id)
    stmt: Select[ConferenceRoom] = readable(principal, ConferenceRoom).where(
        ConferenceRoom.customer_id == customer_id
    )
    return page_of(session, stmt, ConferenceRoom.name, limit=limit, offset=offset)


def get_room(
    session: Session,
    principal: Principal,
    room_id: int,
    access: Access = "read",
    *,
    lock: bool = False,
) -> ConferenceRoom:
    """With `lock`, a write waits for a concurrent one and sees a row deleted meanwhile."""
    return get_scoped(session, principal, ConferenceRoom, room_id, access, lock=lock)


def create_room(
    session: Session, principal: Principal, customer_id: int, data: ConferenceCreate
) -> ConferenceRoom:
    customer = get_customer(session, principal, customer_id, "write")
    _check_pins(data.pin, data.moderator_pin)
    extension = claim_extension(session, customer_id, data.extension, "conference", "extension")
    room = ConferenceRoom(
        customer_id=customer_id,
        extension_id=extension.id,
        extension_row=extension,
        **data.model_dump(exclude={"extension"}),
    )
    session.add(room)
    session.flush()
    record_change(
        session,
        principal,
        room,
        "create",
        f"Conference room {room.name} ({room.extension}) created for {customer.name}",
        after=snapshot(room, AUDITED),
    )
    return room


def update_room(
    session: Session, principal: Principal, room_id: int, data: ConferenceUpdate
) -> ConferenceRoom:
    room = get_room(session, principal, room_id, "write", lock=True)
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "extension", "quality", "max_members"):
        if required in changes and changes[required] is None:
            raise Invalid.field(required, "cannot be empty")
    _check_pins(changes.get("pin", room.pin), changes.get("moderator_pin", room.moderator_pin))
    before = snapshot(room, AUDITED)
    if "extension" in changes:
        rename_extension(session, room.extension_row, changes.pop("extension"), "extension")
    for key, value in changes.items():
        setattr(room, key, value)
    session.flush()
    record_change(
        session,
        principal,
        room,
        "update",
        f"Conference room {room.name} updated",
        before=before,
        after=snapshot(room, AUDITED),
    )
    return room


def delete_room(session: Session, principal: Principal, room_id: int) -> None:
    room = get_room(session, principal, room_id, "write", lock=True)
    before = snapshot(room, AUDITED)
    extension_id = room.extension_id
    session.delete(room)
    session.flush()
    extension = session.get(Extension, extension_id)
    if extension is not None:
        session.delete(extension)
        session.flush()
    record_change(
        session, principal, room, "delete", f"Conference room {room.name} deleted", before=before
    )


def _check_pins(pin: str | None, moderator_pin: str | None) -> None:
    if pin and moderator_pin and pin == moderator_pin:
        raise Invalid.field("moderator_pin", "must differ from the PIN")
