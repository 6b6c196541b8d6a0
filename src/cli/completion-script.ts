// Shell completion for bash and zsh, generated from the command table and each command's declaration.
// One shell-neutral core (POSIX sh that bash and zsh both run) lists the candidates; each shell's front
// end adds its own file and command completion. Names only a daemon knows come from `runyard __complete`.
import type { CommandGroup } from './dispatch.js';
import type { Declaration } from './options.js';

/** What the core knows of the table: groups and their commands, and each command's arguments. */
interface Shape {
  groups: Map<string, { commands: string[]; hasOtherwise: boolean }>;
  commands: Map<string, Declaration>;
}

export async function tableShape(group: CommandGroup, shape?: Shape, path = ''): Promise<Shape> {
  const into = shape ?? { groups: new Map(), commands: new Map() };
  const names: string[] = [];
  for (const [name, command] of Object.entries(group.commands)) {
    const at = path === '' ? name : `${path} ${name}`;
    if ('group' in command) {
      names.push(name);
      await tableShape(command.group, into, at);
    } else if (command.usage.length > 0) {
      names.push(name);
      into.commands.set(at, (await command.declaration?.()) ?? { options: { help: HELP_OPTION } });
    }
  }
  into.groups.set(path, { commands: names, hasOtherwise: group.otherwise !== undefined });
  if (group.otherwise?.declaration) {
    into.commands.set(`${path} *`, await group.otherwise.declaration());
  }
  return into;
}

const HELP_OPTION = { type: 'boolean', short: 'h', help: 'show this help' } as const;

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** A `case` over its first argument (or the first two), one branch per entry, echoing the words. */
function caseFunction(name: string, subject: string, entries: [string, string[]][], ifNone = ''): string {
  const branches = entries
    .filter(([, words]) => words.length > 0)
    .map(([key, words]) => `    ${quote(key)}) echo ${quote(words.join(' '))} ;;`);
  return `${name}() {\n  case ${subject} in\n${branches.join('\n')}\n  esac${ifNone}\n}`;
}

function core(shape: Shape): string {
  const options: [string, string[]][] = [];
  const takesValue: string[] = [];
  const values: [string, string[]][] = [];
  const positionals: [string, string[]][] = [];
  for (const [path, declaration] of shape.commands) {
    const flags = Object.entries(declaration.options).filter(([, option]) => !option.hidden);
    options.push([path, flags.map(([name]) => `--${name}`)]);
    for (const [name, option] of flags) {
      if (option.type !== 'string') continue;
      const spellings = [`--${name}`, ...(option.short ? [`-${option.short}`] : [])];
      const words = option.values ? [...option.values] : option.completes ? [`:${option.completes}`] : [];
      for (const flag of spellings) {
        takesValue.push(`${path} ${flag}`);
        values.push([`${path} ${flag}`, words]);
      }
    }
    const offset = path.endsWith(' *') ? 1 : 0;
    for (const [index, positional] of (declaration.positionals ?? []).entries()) {
      const words = positional.values
        ? [...positional.values]
        : positional.completes && positional.completes !== 'command'
          ? [`:${positional.completes}`]
          : [];
      positionals.push([`${path} ${index + offset}`, words]);
    }
  }
  const groups = [...shape.groups].map(([path, group]): [string, string[]] => [path, group.commands]);
  const otherwise = [...shape.groups].filter(([, group]) => group.hasOtherwise).map(([path]) => quote(path));
  return [
    caseFunction('_runyard_commands', '$1', groups),
    `_runyard_otherwise() {\n  case $1 in ${otherwise.join('|') || "''"}) return 0 ;; esac\n  return 1\n}`,
    caseFunction('_runyard_options', '$1', options),
    `_runyard_takes_value() {\n  case "$1 $2" in\n    ${takesValue.map(quote).join('|\\\n    ')}) return 0 ;;\n  esac\n  return 1\n}`,
    caseFunction('_runyard_values', '"$1 $2"', values),
    caseFunction('_runyard_positional', '"$1 $2"', positionals),
    CORE,
  ].join('\n\n');
}

// `cmd`, not `path`: zsh ties $path to $PATH, and a local one would hide every command.
const CORE = `# A word ":KIND" is a name a daemon knows (asked of it), or a file, directory or command (the shell's own).
_runyard_expand() {
  local runyard=$1 word
  shift
  for word in "$@"; do
    case $word in
      :run-id|:action|:service|:name|:method) "$runyard" __complete "\${word#:}" 2>/dev/null ;;
      *) echo "$word" ;;
    esac
  done
}

# $1: the index of the word being completed; then every word of the line, the command's own first.
_runyard_candidates() {
  local cword=$1 runyard=$2 cmd='' leaf='' positional=0 dashes='' word='' value_of='' index=1
  shift 2
  while [ "$index" -lt "$cword" ]; do
    word=$1
    shift
    index=$((index + 1))
    if [ -n "$dashes" ]; then dashes=$((dashes + 1)); continue; fi
    if [ -z "$leaf" ]; then
      case $word in -*) continue ;; esac
      case " $(_runyard_commands "$cmd") " in
        *" $word "*)
          cmd=\${cmd:+$cmd }$word
          [ -n "$(_runyard_commands "$cmd")" ] || leaf=1 ;;
        *)
          _runyard_otherwise "$cmd" || return 0
          cmd="$cmd *" leaf=1 positional=1 ;;
      esac
      continue
    fi
    case $word in
      --) dashes=0 ;;
      -*=*) ;;
      -*)
        if _runyard_takes_value "$cmd" "$word"; then
          if [ "$index" -eq "$cword" ]; then value_of=$word; break; fi
          shift
          index=$((index + 1))
        fi ;;
      *) positional=$((positional + 1)) ;;
    esac
  done
  local cur=$1
  if [ -n "$value_of" ]; then
    _runyard_expand "$runyard" $(_runyard_values "$cmd" "$value_of")
  elif [ -z "$leaf" ]; then
    case $cur in
      -*) echo --help ;;
      *)
        _runyard_expand "$runyard" $(_runyard_commands "$cmd")
        if _runyard_otherwise "$cmd"; then _runyard_expand "$runyard" :method; fi ;;
    esac
  elif [ -n "$dashes" ]; then
    if [ "$dashes" -eq 0 ]; then echo :command; else echo :file; fi
  else
    case $cur in
      -*) _runyard_options "$cmd" ;;
      *) _runyard_expand "$runyard" $(_runyard_positional "$cmd" "$positional") ;;
    esac
  fi
}`;

const BASH = `_runyard() {
  local cur=\${COMP_WORDS[COMP_CWORD]} candidate
  COMPREPLY=()
  for candidate in $(_runyard_candidates "$COMP_CWORD" "\${COMP_WORDS[@]}"); do
    case $candidate in
      :file) COMPREPLY+=($(compgen -f -- "$cur")) ;;
      :dir) COMPREPLY+=($(compgen -d -- "$cur")) ;;
      :command) COMPREPLY+=($(compgen -c -- "$cur")) ;;
      *) [[ $candidate == "$cur"* ]] && COMPREPLY+=("$candidate") ;;
    esac
  done
  return 0
}
complete -F _runyard runyard`;

const ZSH = `_runyard() {
  local candidate
  local -a plain
  for candidate in $(_runyard_candidates $((CURRENT - 1)) "\${words[@]}"); do
    case $candidate in
      :file) _files ;;
      :dir) _files -/ ;;
      :command) _command_names -e ;;
      *) plain+=("$candidate") ;;
    esac
  done
  (( \${#plain} )) && compadd -a plain
  return 0
}

# Autoloaded from $fpath the file's body runs as _runyard; sourced, it registers itself.
if [ "\${funcstack[1]}" = _runyard ]; then _runyard "$@"; else compdef _runyard runyard; fi`;

export async function completionScript(shell: 'bash' | 'zsh', table: CommandGroup): Promise<string> {
  const header =
    shell === 'bash'
      ? '# runyard completion for bash: source <(runyard completion bash)'
      : '#compdef runyard\n# runyard completion for zsh: runyard completion zsh > "${fpath[1]}/_runyard"';
  return [header, core(await tableShape(table)), shell === 'bash' ? BASH : ZSH].join('\n\n') + '\n';
}
