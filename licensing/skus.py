"""The SKU feature table: the one place it lives."""

_BOTH = (
    "ldap", "mfa", "google_oauth", "office365_oauth", "openid", "announcement",
    "theme_management", "guest_accounts", "lock_teammate_name_display",
)
_E20_ONLY = (
    "ldap_groups", "compliance", "cluster", "metrics", "mhpns", "saml", "elastic_search",
    "data_retention", "message_export", "custom_permissions_schemes", "custom_terms_of_service",
    "guest_accounts_permissions", "id_loaded", "email_notification_contents",
    "enterprise_plugins", "advanced_logging", "shared_channels", "remote_cluster_service",
    "outgoing_oauth_connections",
)
_NEITHER = ("cloud", "future_features")

SKU_NAMES = {"E10": "Enterprise E10", "E20": "Enterprise E20"}
SKUS = tuple(SKU_NAMES)


def feature_flags(sku):
    """Every feature flag for a SKU, each an explicit boolean."""
    e20 = sku == "E20"
    flags = dict.fromkeys(_BOTH, True)
    flags.update(dict.fromkeys(_E20_ONLY, e20))
    flags.update(dict.fromkeys(_NEITHER, False))
    return flags
