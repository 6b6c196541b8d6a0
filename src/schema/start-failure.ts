// Why the daemon could not start: a stable snake_case reason for `runyard serve --json` and scripts, and a
// message that names what to do. Anything else that stops a start is a bug, reported as `internal`.
// Here, below every part, so that the store can refuse a database with a reason of its own.

export type StartFailureReason =
  | 'state_dir_busy'
  | 'token_file_invalid'
  | 'cluster_token_mismatch'
  | 'node_id_invalid'
  | 'advertise_url_invalid'
  | 'address_in_use'
  | 'store_unreachable'
  | 'store_auth_failed'
  | 'store_database_missing'
  | 'store_schema_newer'
  | 'store_url_invalid';

export class StartFailure extends Error {
  readonly reason: StartFailureReason;
  constructor(reason: StartFailureReason, message: string) {
    super(message);
    this.reason = reason;
  }
}
