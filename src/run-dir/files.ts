// The names of the files and folders of a run directory: the one place they are spelled.
export const runFiles = {
  run: 'run.json',
  plan: 'plan.json',
  events: 'events.jsonl',
  logs: 'logs',
  stdout: 'logs/stdout.log',
  stderr: 'logs/stderr.log',
  reports: 'reports',
  artifacts: 'artifacts',
  manifest: 'artifact-manifest.json',
  summary: 'retention-summary.json',
} as const;
