-- the cluster's token
-- One row at most (id is always true): the bearer token every node of the cluster accepts and writes to
-- its <state-dir>/token. The first node to start on the schema puts its own there (INSERT ... ON CONFLICT
-- DO NOTHING, then read back), so nodes starting together agree on one. Whoever can read this schema has
-- the token, as whoever can write it can already run commands on every node.
CREATE TABLE cluster (
  id         boolean PRIMARY KEY DEFAULT true CHECK (id),
  token      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
