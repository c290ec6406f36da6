"""Numbering for `carrierdesk demo`: blocks, SIP users, IP authentication and a conference
room per customer, created through the services like an operator would."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.auth.principals import CLI
from carrierdesk.models import Customer, NumberBlock
from carrierdesk.numbering.service import assign_block
from carrierdesk.settings.schemas import OptionsPatch
from carrierdesk.settings.service import get_options, update_options
from carrierdesk.sipauth.conferences import create_room
from carrierdesk.sipauth.ip_auth import create_ip_auth
from carrierdesk.sipauth.schemas import ConferenceCreate, IpAuthCreate, SipUserCreate
from carrierdesk.sipauth.sip_users import create_sip_user

ROOMS = ["Daily Stand-up", "NOC Bridge", "Board Room", "Sales Huddle", "Support Escalations"]


@dataclass(frozen=True)
class NumberingDemo:
    blocks: int
    sip_users: int
    rooms: int


def load_numbering_demo(
    session: Session, rng: random.Random, range_start: int = 1000, block_size: int = 100
) -> NumberingDemo:
    """Sets the block options when unset, then gives every customer without a block one
    block, a few SIP users, an IP authentication entry and a conference room."""
    held = select(NumberBlock.customer_id)
    customers = list(
        session.scalars(select(Customer).where(Customer.id.not_in(held)).order_by(Customer.id))
    )
    options = get_options(session)
    if options.number_range_start is None or options.block_size is None:
        update_options(
            session, CLI, OptionsPatch(number_range_start=range_start, block_size=block_size)
        )
    blocks = users = rooms = 0
    for index, customer in enumerate(customers):
        block = assign_block(session, CLI, customer.id)
        blocks += 1
        for offset in range(rng.randint(2, 6)):
            data = SipUserCreate(
                username=str(block.start + offset),
                channels=rng.choice([2, 4, 10, 30]),
                cps=rng.choice([1, 2, 5]),
                protocol=rng.choice(["udp", "udp", "tcp", "tls"]),
                enabled=rng.random() > 0.1,
            )
            create_sip_user(session, CLI, customer.id, data)
            users += 1
        create_ip_auth(
            session,
            CLI,
            customer.id,
            IpAuthCreate(
                ip=f"198.51.100.{10 + index}" if index % 3 else f"203.0.113.{index * 8}/29",
                channels=customer.channels or None,
                tech_prefix=f"{100 + index}#",
            ),
        )
        pin = f"{rng.randint(1000, 9999)}"
        create_room(
            session,
            CLI,
            customer.id,
            ConferenceCreate(
                name=ROOMS[index % len(ROOMS)],
                extension=str(block.end),
                pin=pin,
                moderator_pin=str(int(pin) + 1),
                quality=rng.choice(["narrow", "wide", "ultra_wide"]),
                max_members=rng.choice([0, 10, 25]),
            ),
        )
        rooms += 1
    return NumberingDemo(blocks, users, rooms)
