"""Where a webhook may be sent: public addresses only.

A subscription's URL is the newsroom's to choose, so without a check it could point the
worker at this machine (127.0.0.1, ::1), the cloud's metadata service (169.254.169.254) or
a private network (10/8, 172.16/12, 192.168/16, fc00::/7): a request forged by the server.
The URL is checked when a subscription is saved (`validate_public_url`, on the model field,
so the admin, the services and full_clean refuse it), and every address the host resolves
to is checked again when a request is sent, on the connection itself (`checked_address`),
so a name that resolves to a private address later is refused too. WEBHOOK_ALLOWED_NETWORKS
lists networks to allow all the same (the webhook drill's receiver is on loopback).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


class RefusedAddress(OSError):
    """The target resolves to an address webhooks are not sent to."""


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(network, strict=False) for network in settings.WEBHOOK_ALLOWED_NETWORKS]


def refusal(address: str) -> str | None:
    """Why webhooks are not sent to `address` (an IP address), or None if they may be."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if any(ip in network for network in allowed_networks()):
        return None
    if ip.is_loopback:
        return f"{ip} is this machine (loopback)"
    if ip.is_link_local:
        return f"{ip} is link-local (the cloud metadata service lives there)"
    if ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_unspecified or not ip.is_global:
        return f"{ip} is a private or reserved address"
    return None


def resolve(host: str, port: int) -> list[str]:
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def checked_address(host: str, port: int) -> str:
    """The address to connect to for `host`: the first it resolves to, if none is refused."""
    addresses = resolve(host, port)
    for address in addresses:
        reason = refusal(address)
        if reason:
            raise RefusedAddress(f"Not sent: {host} resolves to {reason}.")
    return addresses[0]


def validate_public_url(url: str) -> None:
    """Refuse a URL whose host is, or resolves to, an address webhooks are not sent to. A name
    that does not resolve now is let through: it is checked again at every send."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        raise ValidationError(
            "Webhooks are not sent to this machine (localhost).", code="private_address", params={"value": url}
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = [host] if _is_address(host) else resolve(host, port)
    except (OSError, ValueError, UnicodeError):
        return
    for address in addresses:
        reason = refusal(address)
        if reason:
            message = f"Webhooks are sent to public addresses only: {host} is {reason.split(' is ', 1)[1]}."
            if host != address:
                message = f"Webhooks are sent to public addresses only: {host} resolves to {reason}."
            raise ValidationError(message, code="private_address", params={"value": url})


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return True
