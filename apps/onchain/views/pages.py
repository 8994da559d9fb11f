"""HTML views: pages (see issue 9)."""

urlpatterns: list = []
