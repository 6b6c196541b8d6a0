-- service leases
-- One row a service that was ever started on the cluster: the node that supervises it (node_id, NULL when
-- none: handed back at a clean shutdown) and whether it is wanted running (set by service.start, cleared by
-- service.stop), so that the wish outlives a supervisor that dies. Every change of supervisor raises the
-- epoch; a supervisor checks its epoch before each restart and after each heartbeat, so one that was
-- paused and resumes finds it lost the lease. Deleting the service deletes its lease.
CREATE TABLE service_leases (
  service    text COLLATE "C" PRIMARY KEY REFERENCES services (name) ON DELETE CASCADE,
  node_id    text,
  epoch      bigint NOT NULL,
  is_wanted  boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX service_leases_node ON service_leases (node_id);
