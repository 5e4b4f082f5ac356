"""The limits of the public declaration and diary pages (the mechanism is core.ratelimit)."""

from vungxanh.core.ratelimit import Limit, hit, remaining

__all__ = ["ADDRESS", "DEVICE", "DIARY", "hit", "remaining"]

#: Declarations from one device (cookie) and from one network address. An address is
#: shared by a whole factory or a mobile operator's NAT, so its limit is much higher.
DEVICE = Limit("device", 10, 3600)
ADDRESS = Limit("ip", 120, 3600)
DIARY = Limit("diary", 20, 3600)
