"""API: transactions (see issue 9)."""

urlpatterns: list = []
