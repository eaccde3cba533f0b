"""How the pages show times and license states: UTC, the same words everywhere."""

from datetime import UTC, datetime

from . import bp


@bp.app_template_filter("day")
def day(moment):
    """2027-11-30 (UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d") if moment else ""


@bp.app_template_filter("moment")
def moment(value):
    """2027-11-30 08:30 UTC."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else ""


@bp.app_template_global()
def license_status(license_, now=None):
    """'active', 'expired' or 'upcoming' (not started yet)."""
    now = now or datetime.now(UTC)
    if license_.expired(now):
        return "expired"
    return "upcoming" if license_.starts_at > now else "active"
