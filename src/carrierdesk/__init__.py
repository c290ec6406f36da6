"""carrierdesk: the customer back office of a VoIP carrier."""

__version__ = "0.1.0"
