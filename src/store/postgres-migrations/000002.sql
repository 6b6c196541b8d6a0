-- nodes of the cluster
-- One row a daemon (node) that ever used this schema, kept when it stops: its id is that of its state
-- directory, so a restarted daemon takes its own row again. Times are the database's clock (now()), both
-- when a node writes its heartbeat and when another judges it: nodes never compare their own clocks.
-- A node is stopped when stopped_at is set (a clean shutdown), dead when its heartbeat is too old.
CREATE TABLE nodes (
  id           text COLLATE "C" PRIMARY KEY,
  url          text NOT NULL,
  version      text NOT NULL,
  started_at   timestamptz NOT NULL,
  heartbeat_at timestamptz NOT NULL,
  stopped_at   timestamptz
);
