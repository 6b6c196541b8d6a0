import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { CLI, startDaemon } from '../helpers/daemon.js';

const exec = promisify(execFile);

async function script(shell: 'bash' | 'zsh'): Promise<string> {
  const result = await runCli(['completion', shell]);
  if (result.code !== 0) throw new Error(result.stderr);
  return result.stdout;
}

/** What bash itself offers for `line` (completed at its end), as the script sourced into it decides. */
async function complete(source: string, line: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const words = line.split(' ');
  const program = `${source}
runyard() { ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"; }
COMP_LINE=$1; COMP_POINT=\${#COMP_LINE}; shift
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
_runyard
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await exec('bash', ['-c', program, 'bash', line, ...words], {
    env: { ...process.env, ...env },
  });
  return stdout.split('\n').filter(Boolean);
}

t.test('the bash script is valid bash', async (t) => {
  const source = await script('bash');
  const { stderr } = await exec('bash', ['-n', '-c', source]);
  t.equal(stderr, '');
});

t.test('bash completes commands, options and the values of an enum option', async (t) => {
  const source = await script('bash');
  t.same(await complete(source, 'runyard run l'), ['list', 'logs']);
  t.same(await complete(source, 'runyard run list --st'), ['--status', '--state-dir']);
  const statuses = await complete(source, 'runyard run list --status ');
  t.ok(statuses.includes('succeeded') && statuses.includes('timed_out'), statuses.join(' '));
  t.same(await complete(source, 'runyard run logs x --stream b'), ['both']);
  t.same(await complete(source, 'runyard completion '), ['bash', 'zsh']);
});

t.test('bash completes action names from a running daemon, and nothing without one', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  await client.action.set({ name: 'build-docs', argv: ['true'] });
  await client.action.set({ name: 'bench', argv: ['true'] });
  const source = await script('bash');
  const env = { RUNYARD_STATE_DIR: daemon.stateDir };
  t.same((await complete(source, 'runyard action get b', env)).sort(), ['bench', 'build-docs']);
  t.same(await complete(source, 'runyard run list --action bu', env), ['build-docs']);
  t.same(await complete(source, 'runyard action get b', { RUNYARD_STATE_DIR: daemon.home }), []);
});

t.test('the zsh script is valid zsh', async (t) => {
  const found = await exec('sh', ['-c', 'command -v zsh']).catch(() => undefined);
  if (!found) {
    t.pass('skipped: zsh is not installed here', { skip: 'zsh is not installed here' });
    return;
  }
  const { stderr } = await exec('zsh', ['-n', '-c', await script('zsh')]);
  t.equal(stderr, '');
});
