"""``ENGINE: "seata_py.integrations.django.postgresql"``: Django's psycopg 3 backend in AT mode."""
