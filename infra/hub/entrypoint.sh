#!/bin/sh
# The hub image's entrypoint: secrets given as files become the variables the hub and libpq read, then the command
# runs in this process (so it gets the orchestrator's signals). NAME_FILE names a file whose content is NAME's value,
# the convention of the Neo4j and PostgreSQL images: compose secrets and mounted Kubernetes Secrets are files, and a
# value read here never appears in the compose file, the image or `docker inspect`.
#   NEO4J_PASSWORD_FILE  the graph user's password (hub/settings.py reads NEO4J_PASSWORD)
#   PGPASSWORD_FILE      the audit trail's PostgreSQL password (libpq reads PGPASSWORD; HUB_AUDIT_URL then holds none)
set -eu

if [ -n "${NEO4J_PASSWORD_FILE:-}" ]; then
    NEO4J_PASSWORD=$(cat "$NEO4J_PASSWORD_FILE")
    export NEO4J_PASSWORD
fi
if [ -n "${PGPASSWORD_FILE:-}" ]; then
    PGPASSWORD=$(cat "$PGPASSWORD_FILE")
    export PGPASSWORD
fi
unset NEO4J_PASSWORD_FILE PGPASSWORD_FILE

exec "$@"
