app_name = "assets-api"

urlpatterns: list = []
