-- the shared queue
-- A run a node accepted without a free slot of its own waits here for any node to claim it: status queued,
-- node_id NULL and no run directory yet (run_dir ''). A node claims one by setting node_id and raising the
-- epoch (FOR UPDATE SKIP LOCKED, so each run goes to one node however many claim at once), and only then
-- makes its directory. The index serves the claim's order, priority then creation, and queue positions.
ALTER TABLE runs ALTER COLUMN node_id DROP NOT NULL;
CREATE INDEX runs_unclaimed ON runs (priority DESC, id) WHERE status = 'queued' AND node_id IS NULL;
