from __future__ import annotations

from fastapi import APIRouter, Response

from carrierdesk.models import IpAuth, SipUser
from carrierdesk.sipauth import conferences, ip_auth, sip_users
from carrierdesk.sipauth.schemas import (
    ConferenceCreate,
    ConferenceList,
    ConferenceOut,
    ConferenceUpdate,
    IpAuthCreate,
    IpAuthList,
    IpAuthOut,
    IpAuthUpdate,
    SipPasswordReset,
    SipUserCreate,
    SipUserCreated,
    SipUserList,
    SipUserOut,
    SipUserUpdate,
)
from carrierdesk.web.http import ApiReader, ApiWriter, Db, Paging, RecordId, TransactionRoute
from carrierdesk.web.problems import READ, WRITE

router = APIRouter(tags=["sip users, IP auth, conferences"], route_class=TransactionRoute)


def _created(user: SipUser, password: str | None) -> SipUserCreated:
    out = SipUserCreated.model_validate(user)
    out.password = password
    return out


def _ip_out(entry: IpAuth, warnings: list[str]) -> IpAuthOut:
    out = IpAuthOut.model_validate(entry)
    out.warnings = warnings
    return out


# SIP users


@router.get(
    "/customers/{customer_id}/sip-users",
    response_model=SipUserList,
    responses=READ,
    summary="List a customer's SIP users",
)
def list_sip_users(
    customer_id: RecordId, page: Paging, principal: ApiReader, db: Db
) -> SipUserList:
    rows, total = sip_users.list_sip_users(db, principal, customer_id, page.limit, page.offset)
    return SipUserList(items=[SipUserOut.model_validate(u) for u in rows], total=total)


@router.post(
    "/customers/{customer_id}/sip-users",
    status_code=201,
    response_model=SipUserCreated,
    responses=WRITE,
    description="With no password, one is generated and returned once as `password`.",
    summary="Create a SIP user",
)
def create_sip_user(
    customer_id: RecordId, body: SipUserCreate, principal: ApiWriter, db: Db
) -> SipUserCreated:
    return _created(*sip_users.create_sip_user(db, principal, customer_id, body))


@router.get(
    "/sip-users/{sip_user_id}", response_model=SipUserOut, responses=READ, summary="Get a SIP user"
)
def get_sip_user(sip_user_id: RecordId, principal: ApiReader, db: Db) -> SipUserOut:
    return SipUserOut.model_validate(sip_users.get_sip_user(db, principal, sip_user_id))


@router.patch(
    "/sip-users/{sip_user_id}",
    response_model=SipUserOut,
    responses=WRITE,
    summary="Change a SIP user",
)
def update_sip_user(
    sip_user_id: RecordId, body: SipUserUpdate, principal: ApiWriter, db: Db
) -> SipUserOut:
    return SipUserOut.model_validate(sip_users.update_sip_user(db, principal, sip_user_id, body))


@router.post(
    "/sip-users/{sip_user_id}/password",
    response_model=SipUserCreated,
    responses=WRITE,
    description="Sets the given password, or generates one and returns it once.",
    summary="Set or generate a SIP user's password",
)
def reset_sip_password(
    sip_user_id: RecordId, body: SipPasswordReset, principal: ApiWriter, db: Db
) -> SipUserCreated:
    return _created(*sip_users.reset_password(db, principal, sip_user_id, body))


@router.delete(
    "/sip-users/{sip_user_id}", status_code=204, responses=WRITE, summary="Delete a SIP user"
)
def delete_sip_user(sip_user_id: RecordId, principal: ApiWriter, db: Db) -> Response:
    sip_users.delete_sip_user(db, principal, sip_user_id)
    return Response(status_code=204)


# IP authentication


@router.get(
    "/customers/{customer_id}/ip-auth",
    response_model=IpAuthList,
    responses=READ,
    summary="List a customer's IP authentication entries",
)
def list_ip_auth(customer_id: RecordId, page: Paging, principal: ApiReader, db: Db) -> IpAuthList:
    rows, total = ip_auth.list_ip_auth(db, principal, customer_id, page.limit, page.offset)
    return IpAuthList(items=[IpAuthOut.model_validate(e) for e in rows], total=total)


@router.post(
    "/customers/{customer_id}/ip-auth",
    status_code=201,
    response_model=IpAuthOut,
    responses=WRITE,
    description="An address another entry already covers is accepted, with `warnings`.",
    summary="Add an IP authentication entry",
)
def create_ip_auth(
    customer_id: RecordId, body: IpAuthCreate, principal: ApiWriter, db: Db
) -> IpAuthOut:
    return _ip_out(*ip_auth.create_ip_auth(db, principal, customer_id, body))


@router.get(
    "/ip-auth/{entry_id}",
    response_model=IpAuthOut,
    responses=READ,
    summary="Get an IP authentication entry",
)
def get_ip_auth(entry_id: RecordId, principal: ApiReader, db: Db) -> IpAuthOut:
    entry = ip_auth.get_ip_auth(db, principal, entry_id)
    return _ip_out(entry, ip_auth.overlap_warnings_for(db, principal, entry_id))


@router.patch(
    "/ip-auth/{entry_id}",
    response_model=IpAuthOut,
    responses=WRITE,
    summary="Change an IP authentication entry",
)
def update_ip_auth(
    entry_id: RecordId, body: IpAuthUpdate, principal: ApiWriter, db: Db
) -> IpAuthOut:
    return _ip_out(*ip_auth.update_ip_auth(db, principal, entry_id, body))


@router.delete(
    "/ip-auth/{entry_id}",
    status_code=204,
    responses=WRITE,
    summary="Delete an IP authentication entry",
)
def delete_ip_auth(entry_id: RecordId, principal: ApiWriter, db: Db) -> Response:
    ip_auth.delete_ip_auth(db, principal, entry_id)
    return Response(status_code=204)


# Conference rooms


@router.get(
    "/customers/{customer_id}/conferences",
    response_model=ConferenceList,
    responses=READ,
    summary="List a customer's conference rooms",
)
def list_conferences(
    customer_id: RecordId, page: Paging, principal: ApiReader, db: Db
) -> ConferenceList:
    rows, total = conferences.list_rooms(db, principal, customer_id, page.limit, page.offset)
    return ConferenceList(items=[ConferenceOut.model_validate(r) for r in rows], total=total)


@router.post(
    "/customers/{customer_id}/conferences",
    status_code=201,
    response_model=ConferenceOut,
    responses=WRITE,
    summary="Create a conference room",
)
def create_conference(
    customer_id: RecordId, body: ConferenceCreate, principal: ApiWriter, db: Db
) -> ConferenceOut:
    return ConferenceOut.model_validate(conferences.create_room(db, principal, customer_id, body))


@router.get(
    "/conferences/{room_id}",
    response_model=ConferenceOut,
    responses=READ,
    summary="Get a conference room",
)
def get_conference(room_id: RecordId, principal: ApiReader, db: Db) -> ConferenceOut:
    return ConferenceOut.model_validate(conferences.get_room(db, principal, room_id))


@router.patch(
    "/conferences/{room_id}",
    response_model=ConferenceOut,
    responses=WRITE,
    summary="Change a conference room",
)
def update_conference(
    room_id: RecordId, body: ConferenceUpdate, principal: ApiWriter, db: Db
) -> ConferenceOut:
    return ConferenceOut.model_validate(conferences.update_room(db, principal, room_id, body))


@router.delete(
    "/conferences/{room_id}", status_code=204, responses=WRITE, summary="Delete a conference room"
)
def delete_conference(room_id: RecordId, principal: ApiWriter, db: Db) -> Response:
    conferences.delete_room(db, principal, room_id)
    return Response(status_code=204)
