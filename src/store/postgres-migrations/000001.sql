-- runs, actions and services
-- Text that is ordered or compared (ids, names, times) is COLLATE "C": code-unit order, as the other stores
-- order, whatever the database's locale. `epoch` and `node_id` are for the cluster: each claim of a run will
-- raise its epoch, and every later write will carry it.
CREATE TABLE runs (
  id                 text COLLATE "C" PRIMARY KEY,
  status             text NOT NULL,
  priority           integer NOT NULL,
  action_id          text,
  service_id         text,
  idempotency_key    text UNIQUE,
  request            text NOT NULL,
  record             text NOT NULL,
  attempts           jsonb NOT NULL,
  attempt            integer NOT NULL,
  max_attempts       integer NOT NULL,
  run_dir            text NOT NULL,
  exit_code          integer,
  signal             text,
  error_code         text,
  error_message      text,
  summary_path       text,
  manifest_path      text,
  reports            jsonb,
  labels             jsonb NOT NULL,
  created_at         text COLLATE "C" NOT NULL,
  updated_at         text NOT NULL,
  started_at         text,
  finished_at        text COLLATE "C",
  node_id            text NOT NULL,
  epoch              bigint NOT NULL DEFAULT 0,
  process_pid        integer,
  process_start_time text
);
CREATE INDEX runs_queue ON runs (priority DESC, id) WHERE status IN ('queued', 'running', 'retrying');
CREATE INDEX runs_action ON runs (action_id, id);
CREATE INDEX runs_service ON runs (service_id, id);
CREATE INDEX runs_finished ON runs (finished_at, id) WHERE finished_at IS NOT NULL;
CREATE INDEX runs_labels ON runs USING gin (labels jsonb_path_ops);

CREATE TABLE actions (
  name       text COLLATE "C" PRIMARY KEY,
  spec       text NOT NULL,
  source     text NOT NULL,
  created_at text NOT NULL,
  updated_at text NOT NULL
);
CREATE TABLE services (
  name       text COLLATE "C" PRIMARY KEY,
  spec       text NOT NULL,
  source     text NOT NULL,
  created_at text NOT NULL,
  updated_at text NOT NULL
);
