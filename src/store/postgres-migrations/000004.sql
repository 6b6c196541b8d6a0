-- retained summaries of finished runs
-- `retained` is the run as its own node's retained index lists it (the RetainedRun that node read from
-- retention-summary.json), set by that node when it records the run's results; so every node lists the
-- runs of the others, even while they are down. `retained_key` is its sort key (when it finished), and the
-- index serves retained.list's order, newest first, and its cursors. Runs finished before this migration
-- have none: their own nodes still list them.
ALTER TABLE runs
  ADD COLUMN retained jsonb,
  ADD COLUMN retained_key text COLLATE "C" GENERATED ALWAYS AS ((retained ->> 'finishedAt') COLLATE "C") STORED;
CREATE INDEX runs_retained ON runs (retained_key DESC, id DESC) WHERE retained IS NOT NULL;
