"""The domain's JSON API: `/v1/assets`, mounted after the core's routers (`Domain.api`)."""
