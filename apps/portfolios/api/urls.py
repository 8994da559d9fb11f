app_name = "portfolios-api"

urlpatterns: list = []
