"""Price-file import in three steps: ``parsing`` (bytes → rows), ``validation`` (rows → bars and
problems), ``upsert`` (bars → database). ``apps.assets.services.import_prices`` runs them."""
