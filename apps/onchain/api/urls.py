from apps.onchain.api import addresses, transactions, verification

app_name = "onchain-api"

urlpatterns = [*addresses.urlpatterns, *transactions.urlpatterns, *verification.urlpatterns]
