"""API: addresses (see issue 9)."""

urlpatterns: list = []
