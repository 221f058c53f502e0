"""``ENGINE: "seata_py.integrations.django.mysql"``: Django's MySQL backend (mysqlclient) in AT mode."""
