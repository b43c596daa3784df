"""Open311 GeoReport v2 (开放接口) — the domain half: services, submitting, searching."""
