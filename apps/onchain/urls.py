from apps.onchain.views import pages, transactions

app_name = "onchain"

urlpatterns = [*pages.urlpatterns, *transactions.urlpatterns]
