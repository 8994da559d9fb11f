"""API: verification (see issue 9)."""

urlpatterns: list = []
